/**
 * Cross-process time. `performance.timeOrigin + performance.now()` (the emulator's stamp)
 * is per process; `process.hrtime` is CLOCK_MONOTONIC, shared by every process on the
 * machine. Each process measures the offset between the two once; the difference of two
 * processes' offsets corrects stamps taken in one and compared in the other.
 */
import { performance } from 'node:perf_hooks';

/** This process's high-resolution epoch milliseconds (the emulator's stamp clock). */
export function hrEpochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** `hrEpochMs() - monotonicMs()`, the median of a few samples. */
export function clockOffsetMs(): number {
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    const a = hrEpochMs();
    const m = Number(process.hrtime.bigint()) / 1e6;
    const b = hrEpochMs();
    samples.push((a + b) / 2 - m);
  }
  samples.sort((x, y) => x - y);
  return samples[7] ?? 0;
}

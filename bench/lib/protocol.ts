/** Messages between the bench runner (parent) and one subject process (child), over IPC. */

export type SubjectName = 'raw' | 'ours' | 'ours-raw' | 'binance' | 'binance-spot';

export type Scenario = 'throughput' | 'latency' | 'memory' | 'coldstart' | 'recovery' | 'stall' | 'universe';

export interface Job {
  subject: SubjectName;
  scenario: Scenario;
  wsBase: string;
  streams: string[];
  /** After the first message (or the parent's `measure`), before measuring. */
  warmupMs: number;
  measureMs: number;
  /** Hard bound for the whole job in the child. */
  timeoutMs: number;
  stampField?: string | undefined;
  /** The emulator process's `hrEpochMs() - monotonicMs()`. */
  emulatorOffsetMs: number;
  /** Latency: expected msgs/s, to size the sample buffer. */
  expectedRate?: number | undefined;
  /** Memory/universe: wait for the parent's `measure` before measuring (subscriptions confirmed server-side). */
  waitForMeasure?: boolean | undefined;
}

export type ParentMessage =
  | { type: 'job'; job: Job }
  | { type: 'measure' }
  /** A fault was injected at `at` (emulator hrEpochMs). */
  | { type: 'mark'; at: number }
  | { type: 'stop' };

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface SubjectResult {
  subject: SubjectName;
  scenario: Scenario;
  // throughput / universe
  msgs?: number | undefined;
  wallMs?: number | undefined;
  cpuMs?: number | undefined;
  rate?: number | undefined;
  cpuPer100k?: number | undefined;
  cpuShare?: number | undefined;
  // latency
  p50?: number | undefined;
  p99?: number | undefined;
  max?: number | undefined;
  samples?: number | undefined;
  // memory
  baseline?: MemorySample | undefined;
  memory?: MemorySample | undefined;
  // cold start
  startResolvedMs?: number | undefined;
  firstMessageMs?: number | undefined;
  allStreamsMs?: number | undefined;
  streamsSeen?: number | undefined;
  // recovery / stall
  recoveryMs?: number | undefined;
  detectedMs?: number | undefined;
  detectedBy?: string | undefined;
  /** The reconnect delay the subject's policy chose after the fault (what it reported). */
  retryDelayMs?: number | undefined;
  notes?: string[] | undefined;
  /** The emulator process's CPU share over the measured window (near 1 = the emulator was the bottleneck). */
  emulatorCpuShare?: number | undefined;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'flowing' }
  /** The measured window begins/ends (the runner samples the emulator's CPU over it). */
  | { type: 'window'; phase: 'begin' | 'end' }
  | { type: 'result'; result: SubjectResult }
  | { type: 'failed'; reason: string };

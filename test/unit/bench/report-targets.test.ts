/**
 * The bench's target marks (bench/lib/report.ts, bench/lib/sbe-section.ts): recovery (data again
 * ≤ 150 ms, the first redial ≤ 100 ms), the universe's CPU share ≤ 1.05× raw, the mass drop's
 * attempts ≤ 300 per window, the SBE section's ≥ 2× bare; a subject a variant did not run shows "–".
 */
import { describe, expect, it } from 'vitest';
import type { SubjectResult } from '../../../bench/lib/protocol';
import { renderTable, summarize, type RunRecord } from '../../../bench/lib/report';
import { renderSbeMarkdown, type SbeFigure } from '../../../bench/lib/sbe-section';

function run(figure: string, variant: string, subject: SubjectResult['subject'], r: Partial<SubjectResult>, scenario: SubjectResult['scenario']): RunRecord {
  return { figure, variant, subject, rep: 1, result: { subject, scenario, ...r } };
}

function metrics(scenario: SubjectResult['scenario'], records: RunRecord[], subjects: SubjectResult['subject'][] = ['raw', 'ours', 'ccxt']) {
  const [fig] = summarize([{ id: 'f', title: 'f', emulator: 'e', variants: [{ label: 'v', scenario }] }], records, subjects);
  return Object.fromEntries(fig!.variants[0]!.metrics.map((m) => [m.key, m]));
}

describe('bench target marks', () => {
  it('recovery: data again ≤ 150 ms and the first redial ≤ 100 ms, met or not', () => {
    const ok = metrics('recovery', [run('f', 'v', 'raw', { recoveryMs: 60, retryDelayMs: 0 }, 'recovery'), run('f', 'v', 'ours', { recoveryMs: 121, retryDelayMs: 61 }, 'recovery')]);
    expect([ok.recovery!.targetMet, ok.policyDelay!.targetMet]).toEqual([true, true]);
    const slow = metrics('recovery', [run('f', 'v', 'ours', { recoveryMs: 151, retryDelayMs: 101 }, 'recovery')]);
    expect([slow.recovery!.targetMet, slow.policyDelay!.targetMet]).toEqual([false, false]);
    // ccxt did not run this variant: no cell, shown as "–".
    expect(ok.recovery!.cells.ccxt).toBeUndefined();
    expect(renderTable([{ id: 'f', title: 'f', emulator: 'e', variants: [{ label: 'v', scenario: 'recovery', metrics: Object.values(ok) }] }])).toMatch(/≤ 150 ms ✔/);
  });

  it('universe: CPU share ≤ 1.05× raw', () => {
    const at = (ours: number) => metrics('universe', [run('f', 'v', 'raw', { cpuShare: 0.1, rate: 20_000 }, 'universe'), run('f', 'v', 'ours', { cpuShare: ours, rate: 20_000 }, 'universe')]);
    expect(at(0.104).cpu!.targetMet).toBe(true);
    expect(at(0.106).cpu!.targetMet).toBe(false);
    expect(at(0.1).cpuPer100k!.cells.ours!.spread!.median).toBeCloseTo(0.5, 8);
  });

  it("mass drop: attempts after the drop ≤ Binance's 300", () => {
    const m = metrics('massdrop', [run('f', 'v', 'ours', { attemptsAfterDrop: 264, attemptViolations: 0, rejected429: 0, recovered: 264, streams: 300 }, 'massdrop')], ['ours']);
    expect(m.attempts!.targetMet).toBe(true);
    expect(m.violations!.cells.ours!.spread!.median).toBe(0);
    expect(m.allRecovered!.cells.ours!.missing).toMatch(/not within 20 s/);
    expect(metrics('massdrop', [run('f', 'v', 'ours', { attemptsAfterDrop: 301 }, 'massdrop')], ['ours']).attempts!.targetMet).toBe(false);
  });

  it('SBE section: client sbe ≥ 2× bare, marked', () => {
    const sp = (median: number) => ({ median, min: median, max: median, n: 1 });
    const fig = (sbeNs: number): SbeFigure => ({
      frames: 1000,
      rounds: 1,
      symbols: 1,
      meanFrameBytes: { json: 300, sbe: 100 },
      subjects: [
        { name: 'bare json', cpuNsPerMsg: sp(4000), wallNsPerMsg: 4000 },
        { name: 'client sbe', cpuNsPerMsg: sp(sbeNs), wallNsPerMsg: sbeNs },
      ],
      bareMedianNs: 4000,
      sbeVsBare: 4000 / sbeNs,
      targetMet: 4000 / sbeNs >= 2,
    });
    expect(renderSbeMarkdown(fig(1600))).toMatch(/\| client sbe \| 1600 \(1600–1600\) \| 625k \| 2\.50× \| 1600 \| ≥ 2× bare ✔ \|/);
    expect(renderSbeMarkdown(fig(2100))).toMatch(/≥ 2× bare ✘/);
  });
});

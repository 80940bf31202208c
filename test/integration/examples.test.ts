/**
 * The bundled examples run as a user would run them (against the emulator) and exit 0
 * by themselves: they cannot silently rot.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function run(file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not exit within ${timeoutMs} ms; output:\n${out.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('examples', () => {
  it('npm run demo: 280 klines on one connection, faults recovered, no empty error text', async () => {
    const { code, out } = await run('examples/demo.ts', ['--duration', '5', '--plain'], 30_000);
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/streams\s+284 on 1 connection\(s\)/);
    expect(out).toMatch(/first message on every stream after \d+ ms/);
    expect(out).toMatch(/0 with an empty error text/);
    expect(out).toMatch(/abrupt drop of every connection \(1006\)\s+recovered \d/);
  }, 40_000);

  it('npm run demo -- --activity realistic: a busy head and a quiet tail, and no false stale detection', async () => {
    const { code, out } = await run('examples/demo.ts', ['--duration', '6', '--plain', '--activity', 'realistic', '--no-faults'], 30_000);
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/not reached \(\d+\/284 heard; the quiet tail trades minutes apart\)/);
    expect(out).toMatch(/stale detections 0/);
    expect(out).toMatch(/0 WARN, 0 ERROR/);
  }, 40_000);

  it('custom-retry-policy: the subclass decides the delays', async () => {
    const { code, out } = await run('examples/03-retries-and-errors.ts', [], 30_000);
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/policy: attempt 1 after abnormal failure/);
    expect(out).toMatch(/policy: attempt \d after throttled failure .* wait 2000 ms/);
    expect(out).toMatch(/reconnected after/);
  }, 40_000);

  it('order-book: the local book survives a drop and a lost event and equals the emulator book', async () => {
    const { code, out } = await run('examples/05-order-book.ts', ['--duration', '4'], 30_000);
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/RESYNC #1 BTCUSDT \(reconnect\)/);
    expect(out).toMatch(/RESYNC #\d BTCUSDT \(gap\): expected U <= \d+/);
    expect(out).toMatch(/local book equals the emulator book/);
  }, 40_000);

  it('user-data-futures and user-data-spot run against the emulator', async () => {
    const [fut, spot] = await Promise.all([run('examples/07-user-data-futures.ts', ['--duration', '3'], 30_000), run('examples/06-user-data-spot.ts', ['--duration', '3'], 30_000)]);
    expect(fut.code, fut.out.slice(-3000)).toBe(0);
    expect(spot.code, spot.out.slice(-3000)).toBe(0);
  }, 40_000);
  it('gap-free-trades: every aggTrade once across a drop and a stall, the missed ones from REST', async () => {
    const { code, out } = await run('examples/04-gap-free-trades.ts', ['--duration', '6'], 40_000);
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/aggTrades: \d+ received \(\d+ from REST\), 0 lost, 0 duplicated/);
    expect(out).toMatch(/filled from REST/);
  }, 50_000);
});

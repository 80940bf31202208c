/** examples/10-gateway.ts runs as a user would run it (a real redis-server, the emulator) and exits 0 by itself. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { onCleanup } from '../helpers/emulator';
import { closeRedis, startRedis, describeRedis } from '../helpers/redis';

const root = fileURLToPath(new URL('../../', import.meta.url));

function run(file: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    onCleanup(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describeRedis('examples/10-gateway.ts', () => {
  it('a gateway and two consumers against the emulator: both consumers get every trade exactly once', { timeout: 60_000 }, async () => {
    const server = await startRedis();
    onCleanup(closeRedis);
    const { code, out } = await run('examples/10-gateway.ts', ['--redis', server.url, '--duration', '3']);
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/OK: every consumer got every trade exactly once, in order/);
    expect(out).toMatch(/consumer a btcusdt@aggTrade: [1-9]\d* trades, exactly the same sequence/);
    expect(out).toMatch(/consumer b ethusdt@aggTrade: [1-9]\d* trades, exactly the same sequence/);
    expect(out).toMatch(/added latency: median \d+ ms, p99 \d+ ms/);
  });
});

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openSocket } from '../helpers/emulator-client';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

describe('CLI: binance-stream-client-fake', () => {
  it('starts on a free port, prints its URLs, serves streams, exits on SIGTERM', async () => {
    const child = spawn(tsx, ['src/testing/cli.ts', '--market', 'usdm', '--port', '0', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const urls = await new Promise<{ ws: string; http: string; wsApi: string; market: string }>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no URLs printed: ${out}`)), 15_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) {
            clearTimeout(t);
            resolve(JSON.parse(line));
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      expect(out).toMatch(/ws: +ws:\/\/127\.0\.0\.1:\d+/);
      expect(out).toMatch(/http: +http:\/\/127\.0\.0\.1:\d+/);
      expect(urls.market).toBe('usdm');
      const s = await openSocket(`${urls.ws}/market/ws/btcusdt@aggTrade`);
      expect(await s.next((x) => x.e === 'aggTrade', 5000)).toMatchObject({ s: 'BTCUSDT' });
      s.close();
      const res = await fetch(`${urls.http}/fapi/v1/time`);
      expect(res.status).toBe(200);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});

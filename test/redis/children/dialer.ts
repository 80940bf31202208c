/**
 * A child process of redis-connection-budget.test.ts: one "bot" on the shared IP. It dials
 * `count` WebSocket connections to the emulator one after another, each through the
 * RedisCoordinator's connection budget (as every dial of a client does), and reports what
 * the emulator answered. argv: redisPort wsUrl count maxAttempts windowMs
 */
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { ConnectionBudget } from '../../../src/advanced';
import { RedisCoordinator } from '../../../src/redis/index';

const [port, wsUrl, count, maxAttempts, windowMs, mode] = process.argv.slice(2);
const redis = new Redis({ port: Number(port), host: '127.0.0.1' });
const coord = new RedisCoordinator({ redis, scope: 'ip-test', maxConnectionAttempts: Number(maxAttempts), connectionWindowMs: Number(windowMs), heartbeatMs: 200 });
// mode 'local': the in-process budget only (what every process had before), for the control test.
const gate = mode === 'local' ? new ConnectionBudget({ maxAttempts: Number(maxAttempts), windowMs: Number(windowMs) }) : coord.connectionBudget();

function dialOnce(): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsUrl}/ws/btcusdt@aggTrade`);
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => resolve(0));
  });
}

// Start together: say ready, wait for "go" (the parent sends it once every child is ready).
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));

let opened = 0;
let rejected = 0;
const ac = new AbortController();
for (let i = 0; i < Number(count); i++) {
  await gate.acquire(`dial-${i}`, ac.signal);
  const status = await dialOnce();
  if (status === 101) opened++;
  else {
    rejected++;
    if (mode !== 'local') gate.reportRejection(status, undefined);
  }
}
await coord.close();
redis.disconnect();
process.stdout.write(JSON.stringify({ opened, rejected }) + '\n');
process.exit(0);

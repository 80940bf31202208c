/**
 * A real Debian `redis-server` for the tests (no mock): started on a free loopback port, with
 * no persistence, killed after the test. `stop()` and `start()` again on the same port are the
 * outage tests' "Redis killed and restarted".
 *
 *   const server = await startRedis();            // redis-server on 127.0.0.1:<free port>
 *   const redis = server.client();                // an ioredis client, quit at cleanup
 *   await server.stop();  await server.start();   // outage and recovery, same port
 *
 * Every server and client is closed by `closeRedis()` (call it in afterEach or onCleanup).
 * Test files use `describeRedis` (skipped without a redis-server unless BSC_REQUIRE_REDIS=1).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { describe } from 'vitest';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export function redisAvailable(): boolean {
  return existsSync(REDIS_SERVER);
}

/**
 * `describe` for the Redis tests: skipped when there is no redis-server, unless
 * BSC_REQUIRE_REDIS=1 (CI, .ci/run), where a missing server fails them loudly instead.
 */
export const describeRedis: typeof describe = redisAvailable() || process.env.BSC_REQUIRE_REDIS === '1' ? describe : (describe.skip as typeof describe);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Whether the server process is running now. */
  readonly running: boolean;
  /** (Re)start the server on the same port; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Kill the server (SIGKILL: an outage, not a shutdown); resolves when the process is gone. */
  stop(): Promise<void>;
  /** A new ioredis client of this server (closed by `closeRedis()`). */
  client(options?: RedisOptions): Redis;
}

const servers = new Set<RedisServer>();
const clients = new Set<Redis>();

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (server.running) return;
      const c = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'notice'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (b: Buffer): void => {
          out += b.toString();
          if (/Ready to accept connections/.test(out)) resolve();
        };
        c.stdout?.on('data', onData);
        c.stderr?.on('data', onData);
        c.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${out.slice(-500)}`)));
        c.once('error', reject);
      });
      // Wait for a PING: "ready" is logged just before the listener accepts.
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await probe.connect();
        await probe.ping();
      } finally {
        probe.disconnect();
      }
    },
    async stop() {
      const c = child;
      if (!c || !server.running) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    client(options: RedisOptions = {}) {
      const r = new Redis({ port, host: '127.0.0.1', ...options });
      r.on('error', () => undefined); // outages are expected in these tests
      clients.add(r);
      return r;
    },
  };
  servers.add(server);
  await server.start();
  return server;
}

export async function closeRedis(): Promise<void> {
  for (const c of clients) c.disconnect();
  clients.clear();
  await Promise.all([...servers].map((s) => s.stop()));
  servers.clear();
}

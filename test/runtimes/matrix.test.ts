/**
 * Runtime matrix (runs after `npm run build`, vitest.build.config.ts): the BUILT main entry
 * (dist/index.js) in Node 20, 22 and 24, Bun, Deno and Chromium, each running the same smoke
 * test (smoke-core.ts) against the emulator, which runs here, in this Node process: data on
 * several streams, spot user data signed with Web Crypto (Ed25519, session.logon), an abrupt
 * drop, a silent stall, serverShutdown, and stop() leaving nothing behind (no emulator
 * connection, no pending timer, and the child process ends by itself).
 *
 * A runtime that is not installed is skipped with a warning and a visibly skipped test,
 * unless it is required, in which case it fails: Node 22/24, Bun and Deno under
 * BSC_REQUIRE_RUNTIMES=1 (`.ci/run`, once scripts/install-runtimes.sh succeeded), Chromium
 * under BSC_REQUIRE_BROWSER=1 (`.ci/run`, once apt installed it). BSC_RUNTIMES=node20,deno
 * runs only those.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBinance } from '../../src/testing';
import { commandFor, findRuntimes, type Runtime } from './runtimes';
import type { SmokeConfig, SmokeResult } from './smoke-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const entry = join(root, 'dist/index.js');
const requireRuntimes = process.env.BSC_REQUIRE_RUNTIMES === '1';
const requireBrowser = process.env.BSC_REQUIRE_BROWSER === '1';
/** Node, Bun, Deno: BSC_REQUIRE_RUNTIMES (scripts/install-runtimes.sh succeeded); Chromium: BSC_REQUIRE_BROWSER (apt installed it). */
const isRequired = (r: Runtime): boolean => (r.kind === 'chromium' ? requireBrowser : requireRuntimes);
const API_KEY = 'runtime-matrix-ed25519-key-0123456789';
const STREAMS = ['btcusdt@aggTrade', 'ethusdt@aggTrade', 'btcusdt@bookTicker'];
const FAULT_STREAM = STREAMS[0]!;
const ed = generateKeyPairSync('ed25519');
const PRIVATE_PEM = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const PUBLIC_PEM = ed.publicKey.export({ type: 'spki', format: 'pem' }) as string;

// BSC_RUNTIMES=node20,deno runs only those (for local work; CI runs all).
const only = process.env.BSC_RUNTIMES?.split(',').map((s) => s.trim());
const runtimes = findRuntimes(root).filter((r) => !only || only.includes(r.id));
const missing = runtimes.filter((r) => !r.bin);
for (const r of missing) {
  const how = `looked at ${r.lookedAt}; install with: ${r.install}`;
  console.warn(`\n*** RUNTIME MATRIX: ${r.id} is NOT INSTALLED, ${isRequired(r) ? 'FAILING (required)' : 'SKIPPING'} (${how}) ***\n`);
}

let work = '';
let script = '';
let browserBundle = '';

beforeAll(async () => {
  if (!existsSync(entry)) throw new Error('runtime matrix: dist/index.js is missing, run `npm run build` first');
  work = mkdtempSync(join(tmpdir(), 'bsc-runtimes-'));
  script = join(work, 'smoke-main.mjs');
  // One plain ES module for every server-side runtime (Node 20 runs no TypeScript); the
  // library itself is not bundled: the script imports dist/index.js, resolving its
  // dependencies from node_modules as each runtime does.
  await build({ entryPoints: [join(here, 'smoke-main.ts')], bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', outfile: script, logLevel: 'error' });
  const page = await build({
    stdin: {
      contents: `import * as lib from ${JSON.stringify(entry)}; import { runSmoke } from ${JSON.stringify(join(here, 'smoke-core.ts'))}; window.bscSmoke = (cfg) => runSmoke(lib, cfg);`,
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  browserBundle = page.outputFiles[0]!.text;
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Harness {
  ex: FakeBinance;
  server: Server;
  url: string;
  cfg: SmokeConfig;
  close(): Promise<void>;
}

/** The emulator plus a loopback HTTP server: the page (Chromium) and the control endpoint the smoke script calls for each fault. */
async function harness(runtime: string): Promise<Harness> {
  const ex = await FakeBinance.start({ market: 'spot', rates: { aggTrade: 50, bookTicker: 50 } });
  ex.wsApi.addAccount({ apiKey: API_KEY, publicKeyPem: PUBLIC_PEM });
  const faults: Record<string, () => number> = {
    close1006: () => ex.faults.close({ stream: FAULT_STREAM }, { code: 1006 }),
    stall: () => ex.faults.stall({ stream: FAULT_STREAM }, { durationMs: 60_000 }),
    serverShutdown: () => ex.faults.serverShutdown({ stream: FAULT_STREAM }, { closeAfterMs: 5_000 }),
    executionReport: () => ex.wsApi.pushEvent(API_KEY, { e: 'executionReport', E: Date.now(), s: 'BTCUSDT', c: `from-${runtime}`, S: 'BUY', x: 'NEW', X: 'NEW' }),
  };
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'Content-Type': type, Connection: 'close', 'Cache-Control': 'no-store' });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url.startsWith('/fault/') && req.method === 'POST') {
      const f = faults[url.slice('/fault/'.length)];
      if (!f) return send(res, 404, 'application/json', JSON.stringify({ error: `no fault ${url}` }));
      try {
        return send(res, 200, 'application/json', JSON.stringify({ n: f() }));
      } catch (err) {
        return send(res, 500, 'application/json', JSON.stringify({ error: String(err) }));
      }
    }
    if (url === '/bsc-smoke.js') return send(res, 200, 'text/javascript', browserBundle);
    send(res, 200, 'text/html', '<!doctype html><title>bsc runtime matrix</title><script type="module" src="/bsc-smoke.js"></script>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const o = ex.clientOptions();
  const cfg: SmokeConfig = { control: url, market: 'spot', baseUrl: o.baseUrl, restBaseUrl: o.restBaseUrl, wsApiUrl: o.wsApiUrl, apiKey: API_KEY, privateKey: PRIVATE_PEM, streams: STREAMS };
  return {
    ex,
    server,
    url,
    cfg,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await ex.close();
    },
  };
}

interface ChildRun {
  result: SmokeResult | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process ended by itself after printing its result (no exit() call, no kill). */
  exitedByItself: boolean;
  output: string;
}

/** Runs the smoke script; a child still alive 15 s after its result is killed (something kept it alive: stop() left a handle). */
function runChild(rt: Runtime, cfg: SmokeConfig): Promise<ChildRun> {
  const [cmd, ...args] = commandFor(rt, script, JSON.stringify({ ...cfg, entry: pathToFileURL(entry).href }));
  return new Promise((resolve) => {
    const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(work, '.deno') };
    const child = spawn(cmd!, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let result: SmokeResult | undefined;
    let killed = false;
    let lingerTimer: NodeJS.Timeout | undefined;
    const hardTimer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, 150_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /^BSC_SMOKE_RESULT (.*)$/m.exec(output);
      if (m && !result) {
        result = JSON.parse(m[1]!) as SmokeResult;
        lingerTimer = setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, 15_000);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => void (output += d.toString()));
    child.on('error', (err) => void (output += `\nspawn error: ${String(err)}`));
    child.on('close', (code, signal) => {
      clearTimeout(hardTimer);
      clearTimeout(lingerTimer);
      resolve({ result, code, signal, exitedByItself: !killed && code === 0, output });
    });
  });
}

async function runInChromium(rt: Runtime, h: Harness): Promise<SmokeResult> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: rt.bin!,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(h.url + '/');
    await page.waitForFunction(() => typeof (window as unknown as { bscSmoke?: unknown }).bscSmoke === 'function', undefined, { timeout: 20_000 });
    return await page.evaluate((cfg) => (window as unknown as { bscSmoke: (c: SmokeConfig) => Promise<SmokeResult> }).bscSmoke(cfg), h.cfg);
  } finally {
    await browser.close();
  }
}

function checkResult(rt: Runtime, r: SmokeResult | undefined, h: Harness, context: string): void {
  expect(r, `no result from ${rt.id}:${context}`).toBeDefined();
  expect(r!.error ?? '', `${rt.id} failed at "${r!.step}"${context}`).toBe('');
  expect(r!.ok).toBe(true);
  expect(r!.runtime).toBe(rt.kind);
  if (rt.major) expect(Number(r!.version.split('.')[0])).toBe(rt.major);
  expect(r!.steps).toEqual(['data on several streams', 'spot user data (Ed25519, Web Crypto)', 'abrupt drop (1006) and recovery', 'silent stall detected', 'serverShutdown handover', 'stop()']);
  for (const s of STREAMS) expect(r!.messages[s], s).toBeGreaterThanOrEqual(52);
  expect(r!.userDataState).toBe('live');
  expect(r!.reports).toEqual([`from-${rt.id}`]);
  expect(r!.events.reconnected).toBeGreaterThanOrEqual(2);
  expect(r!.events.staleConnection).toBeGreaterThanOrEqual(1);
  expect(r!.events.serverShutdown).toBeGreaterThanOrEqual(1);
  expect(r!.events.rotated).toContain('serverShutdown');
  expect(r!.events.errors).toEqual([]);
  expect(r!.timersCreated, 'the timer tracking saw the client create timers').toBeGreaterThan(0);
  expect(r!.timersLeft, 'timers the client left pending after stop()').toBe(0);
  // The Ed25519 key was imported and used through Web Crypto: the emulator verified a session.logon.
  expect(h.ex.wsApi.requests().filter((q) => q.method === 'session.logon' && q.status === 200).length).toBeGreaterThanOrEqual(1);
}

describe('runtime matrix: the built main entry against the emulator', () => {
  for (const rt of runtimes) {
    const required = isRequired(rt);
    if (!rt.bin && !required) {
      it.skip(`${rt.id}: NOT INSTALLED (${rt.lookedAt}; ${rt.install})`, () => undefined);
      continue;
    }
    it(`${rt.id}: several streams, Ed25519 user data, 1006 drop, silent stall, serverShutdown, clean stop()`, async () => {
      if (!rt.bin) throw new Error(`${rt.id} is required (BSC_REQUIRE_RUNTIMES / BSC_REQUIRE_BROWSER) but not installed: looked at ${rt.lookedAt}; install with: ${rt.install}`);
      const id = rt.id;
      const h = await harness(id);
      try {
        if (rt.kind === 'chromium') {
          checkResult(rt, await runInChromium(rt, h), h, '');
        } else {
          const run = await runChild(rt, h.cfg);
          const context = `\n--- ${id} output ---\n${run.output.slice(-4000)}`;
          checkResult(rt, run.result, h, context);
          expect(run.exitedByItself, `${id} did not end by itself after stop() (code ${run.code}, signal ${run.signal}): a socket or timer was left behind${context}`).toBe(true);
        }
        await expect.poll(() => h.ex.connections().length, { timeout: 5_000 }).toBe(0);
        await expect.poll(() => h.ex.wsApi.connections().length, { timeout: 5_000 }).toBe(0);
      } finally {
        await h.close();
      }
    }, 180_000);
  }
});

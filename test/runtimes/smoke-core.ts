/**
 * The runtime-matrix smoke test of the main entry, written once for every runtime (Node,
 * Bun, Deno, a browser page): it uses only what the main entry itself may use (fetch,
 * timers, Web Crypto through the library) and no test framework. test/runtimes/matrix.test.ts
 * runs it in each runtime against the emulator, which runs in the parent (Node); the script
 * asks the parent for each fault over HTTP (`POST <control>/fault/<name>`), so the parent
 * injects it through the emulator's own API and the script only observes the client.
 *
 * Steps: data on several streams → spot user data (Ed25519 signed with Web Crypto, an
 * executionReport pushed by the emulator) → an abrupt drop (1006) and the reconnect → a
 * silent stall (pings answered, no data) caught as `stale` → `serverShutdown` and the
 * make-before-break handover → `stop()`, after which no timer the client made is pending.
 * Every step waits for its condition (20 s at most, so a hang ends with the step's name).
 */
import type * as Lib from '../../src/index';

export interface SmokeConfig {
  /** Base URL of the parent's control endpoint (`POST <control>/fault/<name>`). */
  control: string;
  market: 'spot';
  baseUrl: string;
  restBaseUrl: string;
  wsApiUrl: string;
  apiKey: string;
  /** Ed25519 PKCS#8 PEM: the library imports and signs with it through Web Crypto. */
  privateKey: string;
  streams: string[];
}

export interface SmokeResult {
  ok: boolean;
  runtime: string;
  version: string;
  /** The step that failed (ok: false). */
  step?: string;
  error?: string;
  steps: string[];
  messages: Record<string, number>;
  reports: string[];
  events: { reconnected: number; staleConnection: number; serverShutdown: number; rotated: string[]; errors: string[] };
  userDataState?: string | undefined;
  /** Timers the client created that were still pending after stop() settled (should be 0). */
  timersLeft: number;
  /** Timers the client created in all (> 0, or the tracking saw nothing). */
  timersCreated: number;
}

type AnyFn = (...args: unknown[]) => unknown;
type TimerApi = Record<'setTimeout' | 'setInterval' | 'clearTimeout' | 'clearInterval', AnyFn>;

/** Which runtime this is, with its version. */
export function runtimeInfo(): { runtime: string; version: string } {
  const g = globalThis as unknown as { Bun?: { version: string }; Deno?: { version: { deno: string } }; process?: { versions?: { node?: string } }; navigator?: { userAgent?: string } };
  if (g.Bun) return { runtime: 'bun', version: g.Bun.version };
  if (g.Deno) return { runtime: 'deno', version: g.Deno.version.deno };
  if (g.process?.versions?.node) return { runtime: 'node', version: g.process.versions.node };
  const ua = g.navigator?.userAgent ?? '';
  const m = /Chrome\/([\d.]+)/.exec(ua);
  return { runtime: m ? 'chromium' : 'browser', version: m ? m[1]! : ua };
}

/**
 * Counts the timers created through the global timer functions while it is installed,
 * minus those that fired (timeouts) or were cleared. Our own waiting uses the originals.
 */
function trackTimers(): { real: TimerApi; pending: () => number; created: () => number; restore: () => void } {
  const g = globalThis as unknown as TimerApi;
  const real: TimerApi = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval };
  const live = new Set<unknown>();
  let created = 0;
  g.setTimeout = (fn: unknown, ms?: unknown, ...rest: unknown[]) => {
    const h: unknown = real.setTimeout.call(
      globalThis,
      (...a: unknown[]) => {
        live.delete(h);
        if (typeof fn === 'function') (fn as AnyFn)(...a);
      },
      ms,
      ...rest,
    );
    live.add(h);
    created++;
    return h;
  };
  g.setInterval = (fn: unknown, ms?: unknown, ...rest: unknown[]) => {
    const h: unknown = real.setInterval.call(globalThis, fn, ms, ...rest);
    live.add(h);
    created++;
    return h;
  };
  g.clearTimeout = (h: unknown) => {
    live.delete(h);
    return real.clearTimeout.call(globalThis, h);
  };
  g.clearInterval = (h: unknown) => {
    live.delete(h);
    return real.clearInterval.call(globalThis, h);
  };
  return { real, pending: () => live.size, created: () => created, restore: () => Object.assign(g, real) };
}

export async function runSmoke(lib: typeof Lib, cfg: SmokeConfig): Promise<SmokeResult> {
  const timers = trackTimers();
  const sleep = (ms: number) => new Promise<void>((r) => timers.real.setTimeout.call(globalThis, r, ms));
  const res: SmokeResult = {
    ok: false,
    ...runtimeInfo(),
    steps: [],
    messages: Object.fromEntries(cfg.streams.map((s) => [s, 0])),
    reports: [],
    events: { reconnected: 0, staleConnection: 0, serverShutdown: 0, rotated: [], errors: [] },
    timersLeft: -1,
    timersCreated: 0,
  };
  let step = 'construct';
  const until = async (what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> => {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(20);
    }
  };
  const fault = async (name: string): Promise<void> => {
    const r = await fetch(`${cfg.control}/fault/${name}`, { method: 'POST' });
    const body = (await r.json()) as { n?: number; error?: string };
    if (!r.ok || !(body.n! > 0)) throw new Error(`fault ${name}: HTTP ${r.status} ${JSON.stringify(body)}`);
  };
  const allGrew = (before: Record<string, number>, by: number) => () => cfg.streams.every((s) => res.messages[s]! >= before[s]! + by);

  const client = new lib.BinanceStreamClient({
    market: cfg.market,
    baseUrl: cfg.baseUrl,
    restBaseUrl: cfg.restBaseUrl,
    wsApiUrl: cfg.wsApiUrl,
    apiKey: cfg.apiKey,
    privateKey: cfg.privateKey,
  });
  try {
    client.on('message', (m) => void (res.messages[m.stream] = (res.messages[m.stream] ?? 0) + 1));
    client.on('executionReport', (r) => void res.reports.push(r.c));
    client.on('reconnected', () => void res.events.reconnected++);
    client.on('stale', (e) => void (e.scope === 'connection' && res.events.staleConnection++));
    client.on('serverShutdown', () => void res.events.serverShutdown++);
    client.on('rotated', (e) => void res.events.rotated.push(e.reason));
    client.on('error', (e) => void res.events.errors.push(`${e.error.name}: ${e.error.message}`));

    step = 'data on several streams';
    client.subscribe(cfg.streams);
    await client.start();
    await until(step, allGrew({ ...res.messages }, 3));
    res.steps.push(step);

    step = 'spot user data (Ed25519, Web Crypto)';
    await client.subscribeUserData();
    res.userDataState = client.stats().userData[0]?.state;
    await fault('executionReport');
    await until(step, () => res.reports.length >= 1);
    res.steps.push(step);

    step = 'abrupt drop (1006) and recovery';
    let before = { ...res.messages };
    await fault('close1006');
    await until(step, () => res.events.reconnected >= 1 && allGrew(before, 3)());
    res.steps.push(step);

    step = 'silent stall detected';
    // Trades and book tickers are judged by silence only once they have shown themselves busy
    // (at least 32 gaps, see the README's "How liveness works"): let them, then go silent.
    await until(`${step}: 40 messages per stream first`, allGrew({ ...res.messages }, 40));
    const reconnectedBefore = res.events.reconnected;
    await fault('stall');
    await until(step, () => res.events.staleConnection >= 1 && res.events.reconnected > reconnectedBefore);
    before = { ...res.messages };
    await until(`${step}: data after it`, allGrew(before, 3));
    res.steps.push(step);

    step = 'serverShutdown handover';
    await fault('serverShutdown');
    await until(step, () => res.events.serverShutdown >= 1 && res.events.rotated.includes('serverShutdown'));
    before = { ...res.messages };
    await until(`${step}: data after it`, allGrew(before, 3));
    res.steps.push(step);

    step = 'stop()';
    await client.stop();
    // A socket's close handshake may still clear its own timer just after stop() resolves.
    await until('no pending timers after stop()', () => timers.pending() === 0, 3_000).catch(() => undefined);
    res.timersLeft = timers.pending();
    res.timersCreated = timers.created();
    res.steps.push(step);
    res.ok = true;
  } catch (err) {
    res.step = step;
    res.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await client.stop().catch(() => undefined);
  } finally {
    timers.restore();
  }
  return res;
}

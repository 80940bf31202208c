/**
 * npm run demo — the case from the first field report: 280 `<symbol>@kline_1h` streams
 * (plus a few others), against the bundled emulator, while a scripted sequence of faults
 * plays: an abrupt drop, a silent stall, a serverShutdown, rejected upgrades with
 * Retry-After, an internal-error close and a malformed frame. Shows progress while
 * connecting, a live one-screen status, then two "never deaf" scenes (a connection whose
 * retry policy gave up, revived; one stream silenced on a busy connection, escalated and
 * restored) and a summary; exits 0 after --duration.
 *
 *   npm run demo -- --duration 60
 *   npm run demo -- --symbols 3000 --streams-per-symbol 2
 *   npm run demo -- --activity realistic   # the emulator's realistic market: busy majors, a quiet tail
 *   npm run demo -- --live            # real Binance instead of the emulator (no faults)
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { BinanceStreamClient, ConstantBackoff, consoleLogger, describeError, streams as S, type MarketId, type StreamMessage } from 'binance-stream-client';
import { StreamPool } from 'binance-stream-client/advanced';
import { FakeBinance } from 'binance-stream-client/testing';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    symbols: { type: 'string', default: '280' },
    'streams-per-symbol': { type: 'string', default: '1' },
    market: { type: 'string', default: 'spot' },
    activity: { type: 'string', default: 'flat' },
    live: { type: 'boolean', default: false },
    'no-faults': { type: 'boolean', default: false },
    plain: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log('usage: npm run demo -- [--duration s] [--symbols N] [--streams-per-symbol 1|2] [--market spot|usdm|coinm] [--activity flat|realistic] [--live] [--no-faults] [--plain]');
  process.exit(0);
}

function intArg(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}

const durationMs = intArg('duration', args.duration, 5, 3600) * 1000;
const symbolCount = intArg('symbols', args.symbols, 1, 5000);
const perSymbol = intArg('streams-per-symbol', args['streams-per-symbol'], 1, 2);
const market = args.market as MarketId;
if (!['spot', 'usdm', 'coinm'].includes(market)) {
  console.error(`--market: expected spot, usdm or coinm, got ${JSON.stringify(args.market)}`);
  process.exit(2);
}
if (args.activity !== 'flat' && args.activity !== 'realistic') {
  console.error(`--activity: expected flat or realistic, got ${JSON.stringify(args.activity)}`);
  process.exit(2);
}
const tty = Boolean(process.stdout.isTTY) && !args.plain;
const live = args.live;

// ---------------------------------------------------------------- log capture
const logLines: string[] = [];
let [warnCount, errorCount, emptyErrorTexts] = [0, 0, 0];
const captureConsole = { debug: () => undefined, info: (line: string) => pushLog(line), warn: (line: string) => pushLog(line, 'warn'), error: (line: string) => pushLog(line, 'error') };
function pushLog(line: string, level?: 'warn' | 'error'): void {
  if (level === 'warn') warnCount++;
  if (level === 'error') errorCount++;
  // The first field report's symptom: an error line with nothing after the colon.
  if (/error[^=]*[:=]\s*(,|$)/i.test(line)) emptyErrorTexts++;
  logLines.push(line.replace(/^\S+Z /, ''));
  if (logLines.length > 200) logLines.shift();
  if (!tty) console.log(line);
}

// ---------------------------------------------------------------- setup
// `--activity realistic`: btcusdt and ethusdt busy, a long tail whose klines go minutes without a
// trade, bursts, quiet minutes (the emulator's activity profile); flat: every stream at its rate.
const activity = args.activity === 'realistic' ? ('realistic' as const) : undefined;
const ex = live
  ? undefined
  : await FakeBinance.start({ market, symbolCount, seed: 42, activity, rates: activity ? undefined : { kline: 1, aggTrade: 2, 'depth@100ms': 10, bookTicker: 5, ticker: 1 } });

const symbols = ex ? ex.options.symbols.slice(0, symbolCount) : await liveSymbols(symbolCount);
const wanted: string[] = [];
for (const s of symbols) {
  wanted.push(S.kline(s, '1h'));
  if (perSymbol === 2) wanted.push(S.aggTrade(s));
}
const first = symbols[0] ?? 'btcusdt';
const second = symbols[1] ?? first;
const probe = S.depth(first, 100); // the fastest stream: used to time recovery
const extras = [probe, S.aggTrade(first), S.bookTicker(second), S.ticker(first)];
// Extras first, so the probe rides in the connection URL and delivers as soon as it opens.
for (const e of extras.reverse()) if (!wanted.includes(e)) wanted.unshift(e);

const client = new BinanceStreamClient({
  market,
  ...(ex ? ex.clientOptions() : {}),
  logger: consoleLogger('info', { console: captureConsole }),
});

// ---------------------------------------------------------------- live figures
const t0 = Date.now();
let [messages, lastSecondCount, rate, reconnects, staleEvents, rotations] = [0, 0, 0, 0, 0, 0];
let firstAllAt: number | undefined;
const seen = new Set<string>();
const lastByStream = new Map<string, number>();
let progress = { streamsReady: 0, streamsTotal: wanted.length, socketsOpen: 0, socketsTotal: 0, dialsQueued: 0 };

client.on('message', (m: StreamMessage) => {
  messages++;
  lastByStream.set(m.stream, m.receivedAt);
  if (firstAllAt === undefined) {
    seen.add(m.stream);
    if (seen.size === wanted.length) firstAllAt = Date.now();
  }
});
client.on('connecting', (p) => {
  progress = p;
  if (!tty) console.log(`connecting: ${p.streamsReady}/${p.streamsTotal} streams ready, ${p.socketsOpen}/${p.socketsTotal} sockets open, ${p.dialsQueued} dials queued`);
});
client
  .on('reconnected', () => reconnects++)
  .on('stale', () => staleEvents++)
  .on('rotated', () => rotations++);
client.on('error', (e) => pushLog(`ERROR event ${describeError(e.error)}`));

// ---------------------------------------------------------------- fault script
/** `probe`: the stream that must deliver again for the fault to count as recovered. */
type FaultRun = { at: number; name: string; run: () => void; probe: string; startedAt?: number; recoveredMs?: number };
const faults: FaultRun[] = [];
if (ex && !args['no-faults']) {
  const f = ex.faults;
  // Spaced so each fault recovers before the next: the attempt counter only resets after a
  // connection stayed healthy for a while, so back-to-back faults escalate the backoff.
  const plan: [number, string, () => void][] = [
    [0.1, 'abrupt drop of every connection (1006)', () => f.close({ all: true }, { code: 1006 })],
    [0.2, `silent stall of the connection carrying ${probe} (pings still answered)`, () => f.stall({ stream: probe }, { durationMs: 60_000 })],
    [0.45, 'internal-error close (1011) of one connection', () => f.close({ stream: probe }, { code: 1011, reason: 'internal error' })],
    [0.55, 'serverShutdown (make-before-break handover)', () => f.serverShutdown({ all: true })],
    [0.65, 'malformed frame', () => f.malformedFrame({ stream: probe }, { kind: 'json' })],
    [
      0.75,
      'upgrades rejected with 429 + Retry-After: 2, then every connection closed (1001)',
      () => (f.rejectUpgrades({ status: 429, retryAfterSec: 2, count: 2 }), f.close({ all: true }, { code: 1001, reason: 'going away' })),
    ],
  ];
  for (const [frac, name, run] of plan) faults.push({ at: Math.round(durationMs * frac), name, run, probe });
}
let lastFault: FaultRun | undefined;
const faultTimers: NodeJS.Timeout[] = [];
function armFaults(): void {
  for (const fault of faults) {
    faultTimers.push(
      setTimeout(() => {
        fault.startedAt = Date.now();
        lastFault = fault;
        pushLog(`FAULT ${fault.name}`);
        try {
          fault.run();
        } catch (err) {
          pushLog(`fault failed: ${describeError(err)}`);
        }
      }, fault.at),
    );
  }
}
function checkRecovery(): void {
  const now = Date.now();
  for (const f of faults) {
    if (f.startedAt === undefined || f.recoveredMs !== undefined) continue;
    const last = lastByStream.get(f.probe) ?? 0;
    // Recovered = the probe stream delivers again after the fault, with every socket open.
    if (last > f.startedAt + 50 && client.stats().pool.sockets.every((s) => s.state === 'open')) f.recoveredMs = last - f.startedAt;
    if (now - f.startedAt > 60_000) f.recoveredMs = Number.NaN;
  }
}

// ---------------------------------------------------------------- screen
const fmtMs = (ms: number | undefined): string => (ms === undefined ? '…' : Number.isNaN(ms) ? 'not recovered' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
function render(): void {
  checkRecovery();
  const st = client.stats();
  const now = Date.now();
  const liveStreams = st.pool.streams.filter((s) => s.lastMessageAt !== undefined && now - s.lastMessageAt < 5_000).length;
  const open = st.pool.sockets.filter((s) => s.state === 'open').length;
  const elapsed = ((now - t0) / 1000).toFixed(0);
  const lines = [
    `binance-stream-client demo — ${live ? 'LIVE Binance' : 'emulator'} ${market}, ${wanted.length} streams (${symbolCount} symbols × ${perSymbol} + extras), ${elapsed}/${durationMs / 1000} s`,
    '',
    `connecting     ${progress.streamsReady}/${progress.streamsTotal} streams ready, ${progress.socketsOpen}/${progress.socketsTotal} sockets open, ${progress.dialsQueued} dials queued`,
    `first message  on all ${wanted.length} streams: ${firstAllAt === undefined ? `${seen.size}/${wanted.length} so far` : `after ${firstAllAt - t0} ms`}`,
    `connections    ${open}/${st.pool.sockets.length} open${st.pool.budget ? `   budget ${st.pool.budget.attemptsInWindow}/${st.pool.budget.effectiveLimit} dials in window${st.pool.budget.queued ? `, ${st.pool.budget.queued} queued` : ''}` : ''}`,
    `streams live   ${liveStreams}/${st.pool.streams.length} (a message in the last 5 s; kline_1h updates about once a second)`,
    `messages       ${messages.toLocaleString('en-US')} total, ${rate.toLocaleString('en-US')}/s`,
    `recovery       ${reconnects} reconnects, ${rotations} handovers, ${staleEvents} stale detections`,
    `last fault     ${lastFault ? `${lastFault.name} — recovered ${fmtMs(lastFault.recoveredMs)}` : 'none yet'}`,
    '',
    'recent log:',
    ...logLines.slice(-8).map((l) => `  ${l.length > 150 ? l.slice(0, 149) + '…' : l}`),
  ];
  process.stdout.write(`\x1b[H\x1b[J${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------- run
const tick = setInterval(() => {
  rate = messages - lastSecondCount;
  lastSecondCount = messages;
  if (tty) render();
  else {
    checkRecovery();
    const ss = client.stats().pool.sockets;
    console.log(
      `[${((Date.now() - t0) / 1000).toFixed(0)}s] ${ss.filter((s) => s.state === 'open').length}/${ss.length} connections open, ${rate}/s, ${messages} messages, ${reconnects} reconnects, ${rotations} handovers`,
    );
  }
}, 1000);

client.subscribe(wanted);
const startedAt = Date.now();
await client.start().catch((err: unknown) => pushLog(`start failed: ${describeError(err)}`));
const openMs = Date.now() - startedAt;
pushLog(`all ${client.stats().pool.sockets.length} connection(s) open after ${openMs} ms`);
armFaults();

await new Promise((r) => setTimeout(r, durationMs));
clearInterval(tick);
for (const t of faultTimers) clearTimeout(t);
checkRecovery();

const finalStats = client.stats();
await client.stop();
const scenes = ex && !args['no-faults'] ? await neverDeaf(ex) : [];
await ex?.close();

// ---------------------------------------------------------------- summary
const secs = durationMs / 1000;
const out = [
  '',
  `Summary (${secs} s, ${live ? 'live Binance' : 'emulator'}, ${market})`,
  `  streams             ${wanted.length} on ${finalStats.pool.sockets.length} connection(s) (Binance allows ${client.market.limits.maxStreamsPerConnection} per connection)`,
  `  connections open    after ${openMs} ms; first message on every stream ${firstAllAt === undefined ? `not reached (${seen.size}/${wanted.length} heard${activity ? '; the quiet tail trades minutes apart' : ''})` : `after ${firstAllAt - t0} ms`}`,
  `  messages            ${messages.toLocaleString('en-US')} (${Math.round(messages / secs).toLocaleString('en-US')}/s average)`,
  `  reconnects          ${reconnects}; handovers ${rotations}; stale detections ${staleEvents}`,
  `  log lines           ${warnCount} WARN, ${errorCount} ERROR, ${emptyErrorTexts} with an empty error text`,
  ...(faults.length ? ['  faults:'] : []),
  ...faults.map((f) => `    ${(f.at / 1000).toFixed(1).padStart(5)} s  ${f.name.padEnd(84)} recovered ${f.startedAt === undefined ? 'not run' : fmtMs(f.recoveredMs)}`),
  ...(scenes.length ? ['  never deaf:', ...scenes.map((l) => `    ${l}`)] : []),
  '',
];
console.log(out.join('\n'));
process.exit(0);

/** Two short scenes on the emulator: a given-up connection revived, and one silenced stream escalated and restored. */
async function neverDeaf(fake: FakeBinance): Promise<string[]> {
  const until = async (what: string, ok: () => boolean) => {
    for (const end = Date.now() + 10_000; !ok(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error(`demo scene: no ${what}`);
  };
  const c = new BinanceStreamClient({ ...fake.clientOptions(), logger: consoleLogger('info', { console: captureConsole }), retryPolicy: new ConstantBackoff({ delayMs: 50, maxRetries: 1 }) });
  fake.faults.heal(); // nothing left over from the fault script
  c.subscribe(probe);
  await c.start();
  fake.faults.rejectUpgrades({ status: 503 });
  fake.faults.close({ stream: probe }, { code: 1011 });
  await until('give-up', () => c.health().down === 1);
  const downAt = Date.now();
  fake.faults.heal();
  c.reconnect('demo: revive');
  await until('revival', () => c.health().live === 1);
  const revived = `gave up (maxRetries 1) → health ${probe}: down → reconnect() → live again after ${Date.now() - downAt} ms`;
  await c.stop();
  // One stream goes silent while its connection stays busy (as a Binance-side stall of one stream would).
  const muted = new Set([probe]);
  type Factory = NonNullable<ConstructorParameters<typeof StreamPool>[0]['webSocketFactory']>;
  const factory: Factory = (url) => {
    const ws = new WebSocket(url);
    const emit = ws.emit.bind(ws) as (e: string | symbol, ...a: unknown[]) => boolean;
    const mutedFrame = (a: unknown[]) => [...muted].some((m) => String(a[0]).includes(`"stream":"${m}"`));
    ws.emit = ((e: string | symbol, ...a: unknown[]) => (e === 'message' && mutedFrame(a) ? false : emit(e, ...a))) as typeof ws.emit;
    return ws as unknown as ReturnType<Factory>;
  };
  const steps: string[] = [];
  const t = Date.now();
  const pool = new StreamPool({ market: client.market, baseUrl: fake.urls.ws, sink: () => {}, webSocketFactory: factory, streamStaleAfterMs: 500, sweepIntervalMs: 100 });
  pool.on('stale', (e) => e.scope === 'stream' && steps.push(e.action));
  pool.on('streamDown', () => steps.push(`streamDown (${((Date.now() - t) / 1000).toFixed(1)} s)`));
  pool.on('streamRestored', () => steps.push(`streamRestored (${((Date.now() - t) / 1000).toFixed(1)} s)`));
  pool.subscribe([probe, S.bookTicker(first), S.aggTrade(first)]);
  await pool.start();
  await until('streamDown', () => pool.health().down === 1);
  muted.clear();
  await until('streamRestored', () => pool.health().live === 3);
  await pool.stop();
  return [revived, `${probe} silenced on a busy connection: ${steps.join(' → ')}`];
}

async function liveSymbols(n: number): Promise<string[]> {
  const base = market === 'spot' ? 'https://api.binance.com/api/v3' : market === 'usdm' ? 'https://fapi.binance.com/fapi/v1' : 'https://dapi.binance.com/dapi/v1';
  const res = await fetch(`${base}/exchangeInfo`);
  if (!res.ok) throw new Error(`exchangeInfo: HTTP ${res.status}`);
  const body = (await res.json()) as { symbols: { symbol: string; status?: string; contractStatus?: string }[] };
  const trading = body.symbols.filter((s) => (s.status ?? s.contractStatus) === 'TRADING');
  return trading.slice(0, n).map((s) => s.symbol.toLowerCase());
}

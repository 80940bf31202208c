/**
 * npm run demo — the case from the first field report: 280 `<symbol>@kline_1h` streams
 * (plus a few others), against the bundled emulator, while a scripted sequence of faults
 * plays: a malformed frame, an abrupt drop, a silent stall, an internal-error close, a
 * serverShutdown and rejected upgrades with Retry-After. On a terminal: one live screen
 * (redrawn in place, fitted to the terminal, at least 80×24); piped or with --plain: log lines.
 * Then two "never deaf" scenes (a connection whose retry policy gave up, revived; one stream
 * silenced on a busy connection, escalated and restored) and a summary; exits 0 after
 * --duration, or at Ctrl-C (the client stopped, the summary printed).
 *
 *   npm run demo -- --duration 60
 *   npm run demo -- --symbols 3000 --streams-per-symbol 2
 *   npm run demo -- --activity realistic   # the emulator's realistic market: busy majors, a quiet tail
 *   npm run demo -- --live            # real Binance instead of the emulator (no faults)
 */
import { BinanceStreamClient, consoleLogger, describeError, streams as S, type PoolStats, type StreamMessage } from 'binance-stream-client';
import { FakeBinance } from 'binance-stream-client/testing';
import { demoArgs } from './demo/args';
import { dashboardLines, recentLine, summaryLines, type DashboardView, type FaultLine } from './demo/dashboard';
import { armFaults, checkRecovery, faultPlan, faultStatus, type FaultRun } from './demo/faults';
import { DemoLiveError, liveSymbols, networkCode, unreachableSentence } from './demo/live';
import { LogSink } from './demo/log-sink';
import { neverDeaf } from './demo/scenes';
import { Screen } from './demo/screen';

const args = demoArgs();
const { market, live, durationMs, symbolCount, perSymbol } = args;
const tty = Boolean(process.stdout.isTTY) && !args.plain;
const screen = tty ? new Screen(process.stdout) : undefined;
// The one sink: counts every record by level, and prints it (plain) or keeps it for the screen (TTY).
const sink = new LogSink(tty ? undefined : (line) => console.log(line));
const logger = consoleLogger('info', { console: sink.console(), timestamps: false });
const t0 = Date.now();
process.on('exit', () => screen?.restore());

// ---------------------------------------------------------------- Ctrl-C: stop, summary, exit 0 (twice: at once)
let interrupted = false;
let wake: () => void = () => undefined;
const interruption = new Promise<void>((r) => (wake = r));
process.on('SIGINT', () => {
  if (interrupted) {
    screen?.restore();
    process.exit(130);
  }
  interrupted = true;
  sink.demo('info', 'interrupted (Ctrl-C): stopping the client');
  wake();
});

/** `--live` and Binance unreachable: one sentence on stderr, exit 1. */
function exitLive(sentence: string): never {
  if (screen) screen.finish([]);
  console.error(sentence);
  process.exit(1);
}

// ---------------------------------------------------------------- setup
// `--activity realistic`: btcusdt and ethusdt busy, a long tail whose klines go minutes without a
// trade, bursts, quiet minutes (the emulator's activity profile); flat: every stream at its rate.
const activity = args.activity === 'realistic' ? ('realistic' as const) : undefined;
const ex = live
  ? undefined
  : await FakeBinance.start({ market, symbolCount, seed: 42, activity, rates: activity ? undefined : { kline: 1, aggTrade: 2, 'depth@100ms': 10, bookTicker: 5, ticker: 1 } });
let symbols: string[];
try {
  symbols = ex ? ex.options.symbols.slice(0, symbolCount) : await liveSymbols(args.liveRestUrl, market, symbolCount);
} catch (err) {
  if (err instanceof DemoLiveError) exitLive(err.message);
  throw err;
}
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

const client = new BinanceStreamClient({ market, ...(ex ? ex.clientOptions() : args.liveOverrides), logger });

// ---------------------------------------------------------------- live figures
let [messages, lastSecondCount, rate, reconnects, staleEvents, rotations, liveDialFailures] = [0, 0, 0, 0, 0, 0, 0];
let [firstAllAt, everOpen, openMs] = [undefined as number | undefined, false, undefined as number | undefined];
let phase = 'connecting';
const stopped: { pool?: PoolStats } = {}; // the pool's last figures, once the client is stopped
const seen = new Set<string>();
const lastByStream = new Map<string, number>();
let progress = { streamsReady: 0, streamsTotal: wanted.length, socketsOpen: 0, socketsTotal: 0, dialsQueued: 0 };

client.on('message', (m: StreamMessage) => {
  messages++;
  lastByStream.set(m.stream, m.receivedAt);
  if (m.stream === probe && faults.some((f) => f.startedAt !== undefined && f.recoveredMs === undefined)) recover();
  if (firstAllAt === undefined) {
    seen.add(m.stream);
    if (seen.size === wanted.length) firstAllAt = Date.now();
  }
});
client.on('connecting', (p) => {
  progress = p;
  if (!tty) console.log(`connecting: ${p.streamsReady}/${p.streamsTotal} streams ready, ${p.socketsOpen}/${p.socketsTotal} sockets open, ${p.dialsQueued} dials queued`);
});
client.on('open', () => (everOpen = true));
client.on('reconnecting', (e) => {
  // --live: a dial that failed before any connection ever opened means Binance is out of reach.
  if (!live || everOpen) return;
  const code = networkCode(e.error);
  if (++liveDialFailures >= 3 || (code && !code.startsWith('ERR_'))) exitLive(unreachableSentence(args.liveWsUrl, e.error.httpStatus ? `HTTP ${e.error.httpStatus}` : code));
});
client
  .on('reconnected', () => reconnects++)
  .on('stale', () => staleEvents++)
  .on('rotated', () => rotations++);
client.on('error', (e) => sink.demo('error', `error event: ${describeError(e.error)}`));

// ---------------------------------------------------------------- fault script
const faults: FaultRun[] = ex && args.faults ? faultPlan(ex, probe, durationMs) : [];
const poolStats = (): PoolStats => stopped.pool ?? client.stats().pool;
function recover(): void {
  checkRecovery(
    faults,
    lastByStream.get(probe),
    poolStats().sockets.every((s) => s.state === 'open'),
  );
}
const faultLines = (): FaultLine[] => faults.map((f) => ({ atMs: f.at, name: f.name, status: faultStatus(f) }));

// ---------------------------------------------------------------- screen
const fmtN = (n: number) => n.toLocaleString('en-US');
function view(): DashboardView {
  const st = poolStats();
  const now = Date.now();
  const liveStreams = st.streams.filter((s) => s.lastMessageAt !== undefined && now - s.lastMessageAt < 5_000).length;
  const open = st.sockets.filter((s) => s.state === 'open').length;
  const budget = st.budget ? ` · budget ${st.budget.attemptsInWindow}/${st.budget.effectiveLimit} dials${st.budget.queued ? `, ${st.budget.queued} queued` : ''}` : '';
  const heard = firstAllAt === undefined ? `${seen.size}/${wanted.length} heard so far` : `all heard after ${firstAllAt - t0} ms`;
  const elapsed = openMs === undefined ? ((now - t0) / 1000).toFixed(0) : ((now - t0 - openMs) / 1000).toFixed(0);
  return {
    header: `binance-stream-client demo · ${live ? 'LIVE Binance' : 'emulator'} ${market} · ${wanted.length} streams · ${phase === 'running' ? `${elapsed}/${durationMs / 1000} s` : phase}`,
    figures: [
      openMs === undefined
        ? `connecting   ${progress.streamsReady}/${progress.streamsTotal} streams ready, ${progress.socketsOpen}/${progress.socketsTotal} sockets open, ${progress.dialsQueued} dials queued`
        : `connections  ${open}/${st.sockets.length} open${budget}`,
      `streams      ${liveStreams}/${st.streams.length} live (a message in the last 5 s) · ${heard}`,
      `messages     ${fmtN(messages)} total · ${fmtN(rate)}/s`,
      `recovery     ${reconnects} reconnects · ${rotations} handovers · ${staleEvents} stale detections`,
    ],
    noFaults: live ? 'live Binance' : args.faults ? undefined : '--no-faults',
    faults: faultLines(),
    counts: sink.counts,
    recent: sink.recentLines(50).map((r) => ({ t: (r.at - t0) / 1000, level: r.level, text: r.text })),
  };
}
function render(): void {
  if (!screen) return;
  recover();
  const { cols, rows } = screen.size();
  screen.draw(dashboardLines(view(), cols, rows));
}

// ---------------------------------------------------------------- run
const tick = setInterval(() => {
  rate = messages - lastSecondCount;
  lastSecondCount = messages;
  if (tty || phase !== 'running') return;
  recover();
  const ss = poolStats().sockets;
  console.log(
    `[${((Date.now() - t0) / 1000).toFixed(0)}s] ${ss.filter((s) => s.state === 'open').length}/${ss.length} connections open, ${rate}/s, ${messages} messages, ${reconnects} reconnects, ${rotations} handovers`,
  );
}, 1000);
const redraw = tty ? setInterval(render, 250) : undefined;
const onResize = () => (screen?.invalidate(), render());
if (tty) process.stdout.on('resize', onResize);
render();

client.subscribe(wanted);
const startedAt = Date.now();
await Promise.race([client.start().catch((err: unknown) => sink.demo('error', `start failed: ${describeError(err)}`)), interruption]);
openMs = Date.now() - startedAt;
let disarm = (): void => undefined;
if (!interrupted) {
  sink.demo('info', `all ${client.stats().pool.sockets.length} connection(s) open after ${openMs} ms`);
  phase = 'running';
  disarm = armFaults(
    faults,
    () => poolStats().sockets.every((s) => s.state === 'open'),
    (f, err) => (err === undefined ? sink.demo('info', `FAULT ${f.name}`) : sink.demo('error', `fault failed: ${f.name}: ${describeError(err)}`)),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise((r) => (timer = setTimeout(r, durationMs))), interruption]);
  clearTimeout(timer);
}
const ranMs = Date.now() - startedAt - openMs;
disarm();
recover();
phase = 'stopping';
const finalStats = client.stats();
await client.stop();
stopped.pool = finalStats.pool;
phase = 'never-deaf scenes';
const scenes = ex && args.faults && !interrupted ? await neverDeaf({ fake: ex, market: client.market, probe, first, logger, interrupted: () => interrupted }) : [];
await ex?.close();
clearInterval(tick);
clearInterval(redraw);
process.stdout.off('resize', onResize);

// ---------------------------------------------------------------- summary
const secs = Math.max(1, ranMs) / 1000;
const lines = summaryLines(
  {
    title: `Summary (${interrupted ? `interrupted after ${secs.toFixed(0)}` : durationMs / 1000} s, ${live ? 'live Binance' : 'emulator'}, ${market})`,
    figures: [
      `  streams             ${wanted.length} on ${finalStats.pool.sockets.length} connection(s) (Binance allows ${client.market.limits.maxStreamsPerConnection} each)`,
      `  connections open    after ${openMs} ms; first message on every stream ${firstAllAt === undefined ? `not reached (${seen.size}/${wanted.length} heard${activity ? '; the quiet tail trades minutes apart' : ''})` : `after ${firstAllAt - t0} ms`}`,
      `  messages            ${fmtN(messages)} (${fmtN(Math.round(messages / secs))}/s average)`,
      `  reconnects          ${reconnects}; handovers ${rotations}; stale detections ${staleEvents}`,
    ],
    counts: sink.counts,
    emptyErrorTexts: sink.emptyErrorTexts,
    faults: faultLines(),
    scenes,
  },
  screen?.size().cols,
);
if (screen) {
  // The last WARN/ERROR lines too, as far as the terminal has room: the counts above are theirs.
  const room = screen.size().rows - lines.length - 2;
  const last = room > 0 ? sink.recentLines(Math.min(room, 5)).map((r) => `  ${recentLine({ t: (r.at - t0) / 1000, level: r.level, text: r.text })}`) : [];
  screen.finish([...lines, ...(last.length ? ['  last WARN/ERROR lines:', ...last] : [])]);
} else console.log(lines.join('\n'));
process.exit(0);

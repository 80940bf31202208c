/**
 * `npm run demo` (examples/demo.ts and examples/demo/): run as a user runs it — piped (plain log lines),
 * under a pseudo-terminal (one live screen, 80×24), interrupted with Ctrl-C, and `--live` pointed at a
 * closed loopback port (one sentence, exit 1). Plus the screen's pieces with a fake 80×24 stdout.
 * Only loopback: the hidden `--live-rest-url` / `--live-ws-url` flags keep `--live` off the internet.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { consoleLogger } from 'binance-stream-client';
import { describe, expect, it } from 'vitest';
import { dashboardLines, summaryLines, wrap, type DashboardView } from '../../examples/demo/dashboard';
import { hostPort, networkCode, unreachableSentence } from '../../examples/demo/live';
import { LogSink, parseLogLine } from '../../examples/demo/log-sink';
import { Screen, stripAnsi, width } from '../../examples/demo/screen';
import { onCleanup } from '../helpers/emulator';
import { until } from '../helpers/wait';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DEMO = ['--import', 'tsx', 'examples/demo.ts'];

interface Run {
  child: ChildProcess;
  out: () => string;
  done: Promise<{ code: number | null; out: string }>;
}

function start(command: string, argv: string[], timeoutMs: number): Run {
  const child = spawn(command, argv, { cwd: root, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not exit within ${timeoutMs} ms; output:\n${out.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
  onCleanup(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  return { child, out: () => out, done };
}

const demo = (args: string[], timeoutMs = 30_000) => start(process.execPath, [...DEMO, ...args], timeoutMs);

/** Under a pseudo-terminal of `cols`×`rows` (util-linux `script`). */
const demoTty = (args: string[], cols: number, rows: number, timeoutMs = 40_000) =>
  start('script', ['-qfec', `stty cols ${cols} rows ${rows}; exec ${process.execPath} ${[...DEMO, ...args].join(' ')}`, '/dev/null'], timeoutMs);
const hasScript = spawnSync('script', ['--version']).status === 0;

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** The frames a TTY run drew: the text between cursor-home sequences, ANSI stripped, `\r` dropped. */
function frames(raw: string): string[][] {
  return raw
    .split('\x1b[H')
    .slice(1)
    .map((f) => stripAnsi(f).replace(/\r/g, '').replace(/\n$/, '').split('\n'));
}

describe('npm run demo, piped (plain log lines)', () => {
  it('280 klines on one connection, faults recovered, no empty error text; the summary counts equal the WARN and ERROR lines printed', async () => {
    const { code, out } = await demo(['--duration', '5', '--plain']).done;
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/streams\s+284 on 1 connection\(s\)/);
    expect(out).toMatch(/first message on every stream after \d+ ms/);
    expect(out).toMatch(/0 with an empty error text/);
    expect(out).toMatch(/abrupt drop of every connection \(1006\)\s+recovered \d/);
    // The malformed frame plays on an open connection: the client warns and emits an `error` event, which the demo logs as ERROR.
    expect(out).toMatch(/WARN \[binance-stream-client\] malformed frame ignored/);
    expect(out).toMatch(/ERROR \[demo\] error event: ERR_PARSE/);
    const records = out.split('\n').flatMap((l) => parseLogLine(l) ?? []);
    const printed = { warn: records.filter((r) => r.level === 'warn').length, error: records.filter((r) => r.level === 'error').length };
    expect(printed.warn, 'the faults make the client warn').toBeGreaterThan(0);
    expect(printed.error, "the give-up scene's ERROR line").toBeGreaterThan(0);
    const m = /log lines\s+(\d+) WARN, (\d+) ERROR/.exec(out);
    expect(m, out.slice(-2000)).not.toBeNull();
    expect({ warn: Number(m![1]), error: Number(m![2]) }).toEqual(printed);
    // Every line with a level word in it is a log record of that level (no untagged "ERROR …" line).
    for (const l of out.split('\n')) if (/\b(WARN|ERROR)\b/.test(l) && !/^\s+log lines/.test(l)) expect(parseLogLine(l), l).toBeDefined();
  }, 40_000);

  it('--activity realistic: a busy head and a quiet tail, and no false stale detection', async () => {
    const { code, out } = await demo(['--duration', '6', '--plain', '--activity', 'realistic', '--no-faults']).done;
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/not reached \(\d+\/284 heard; the quiet tail trades minutes apart\)/);
    expect(out).toMatch(/stale detections 0/);
    expect(out).toMatch(/0 WARN, 0 ERROR/);
  }, 40_000);

  it('Ctrl-C (SIGINT): stops the client, prints the summary, exits 0', async () => {
    const run = demo(['--duration', '300', '--plain']);
    await until(() => /INFO \[demo\] all 1 connection\(s\) open/.test(run.out()), { timeoutMs: 20_000, message: () => `the connections to open; output:\n${run.out().slice(-1500)}` });
    run.child.kill('SIGINT');
    const { code, out } = await run.done;
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/INFO \[binance-stream-client\] stopped/);
    expect(out).toMatch(/Summary \(interrupted after \d+ s, emulator, spot\)/);
    expect(out).toMatch(/log lines\s+\d+ WARN, \d+ ERROR/);
  }, 40_000);
});

describe('npm run demo -- --live, Binance out of reach', () => {
  const noStack = (out: string) => expect(out).not.toMatch(/^\s+at /m);

  it('REST unreachable: one sentence naming host, port and error code, exit 1', async () => {
    const port = await closedPort();
    const { code, out } = await demo(['--live', '--plain', '--live-rest-url', `http://127.0.0.1:${port}`]).done;
    expect(code, out).toBe(1);
    expect(out.trim()).toBe(`Cannot reach 127.0.0.1:${port} (ECONNREFUSED): check the network or run without --live to use the local emulator.`);
    noStack(out);
  }, 40_000);

  it('REST answers HTTP 451: one sentence with the status, exit 1', async () => {
    const rest: Server = createHttpServer((_req, res) => res.writeHead(451).end('{"code":0,"msg":"restricted location"}'));
    await new Promise<void>((r) => rest.listen(0, '127.0.0.1', r));
    onCleanup(() => new Promise((r) => rest.close(r)));
    const port = (rest.address() as { port: number }).port;
    const { code, out } = await demo(['--live', '--plain', '--live-rest-url', `http://127.0.0.1:${port}`]).done;
    expect(code, out).toBe(1);
    expect(out.trim()).toBe(`Binance answered HTTP 451 for 127.0.0.1:${port}/api/v3/exchangeInfo (unavailable from your location): run without --live to use the local emulator.`);
    noStack(out);
  }, 40_000);

  it('WebSocket unreachable (REST answers): one sentence naming the stream host, exit 1', async () => {
    const rest: Server = createHttpServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ symbols: [{ symbol: 'BTCUSDT', status: 'TRADING' }] })));
    await new Promise<void>((r) => rest.listen(0, '127.0.0.1', r));
    onCleanup(() => new Promise((r) => rest.close(r)));
    const restPort = (rest.address() as { port: number }).port;
    const wsPort = await closedPort();
    const { code, out } = await demo(['--live', '--plain', '--live-rest-url', `http://127.0.0.1:${restPort}`, '--live-ws-url', `ws://127.0.0.1:${wsPort}`]).done;
    expect(code, out).toBe(1);
    expect(out).toContain(`Cannot reach 127.0.0.1:${wsPort} (ECONNREFUSED): check the network or run without --live to use the local emulator.`);
    noStack(out);
  }, 40_000);
});

describe.skipIf(!hasScript)('npm run demo on a terminal (pseudo-terminal via script)', () => {
  it('80×24: one screen redrawn in place, every frame within 80×24, the summary on a clean final screen, the cursor shown again', async () => {
    const { code, out } = await demoTty(['--duration', '6'], 80, 24).done;
    expect(code, out.slice(-3000)).toBe(0);
    const all = frames(out);
    expect(all.length, 'a frame a quarter second').toBeGreaterThan(10);
    for (const [i, f] of all.slice(0, -1).entries()) {
      expect(f.length, `frame ${i}:\n${f.join('\n')}`).toBeLessThanOrEqual(24);
      for (const l of f) expect(width(l), `frame ${i}: ${l}`).toBeLessThanOrEqual(80);
    }
    expect(all.some((f) => f[0]!.startsWith('binance-stream-client demo · emulator spot · 284 streams'))).toBe(true);
    expect(all.some((f) => f.some((l) => /recovered \d/.test(l)))).toBe(true);
    const last = all.at(-1)!;
    for (const l of last) expect(width(l), l).toBeLessThanOrEqual(80);
    expect(last.join('\n')).toMatch(/Summary \(6 s, emulator, spot\)[\s\S]*log lines\s+\d+ WARN, \d+ ERROR/);
    expect(out.lastIndexOf('\x1b[?25h')).toBeGreaterThan(out.lastIndexOf('\x1b[?25l'));
  }, 50_000);

  it('Ctrl-C on the terminal: the summary on the final screen, exit 0', async () => {
    const run = demoTty(['--duration', '300'], 80, 24);
    await until(() => /connections {2}1\/1 open/.test(stripAnsi(run.out())), { timeoutMs: 20_000, message: () => `the screen; output:\n${stripAnsi(run.out()).slice(-1500)}` });
    run.child.stdin!.write('\x03'); // the terminal's interrupt character: SIGINT to the demo
    const { code, out } = await run.done;
    expect(code, stripAnsi(out).slice(-3000)).toBe(0);
    expect(frames(out).at(-1)!.join('\n')).toMatch(/Summary \(interrupted after \d+ s, emulator, spot\)/);
    expect(out.lastIndexOf('\x1b[?25h')).toBeGreaterThan(out.lastIndexOf('\x1b[?25l'));
  }, 50_000);
});

describe('demo screen pieces', () => {
  function fakeOut(columns: number, rows: number) {
    const writes: string[] = [];
    return { columns, rows, isTTY: true, write: (s: string) => writes.push(s), writes };
  }
  function busyView(): DashboardView {
    const long = 'x'.repeat(300);
    return {
      header: `binance-stream-client demo · emulator spot · 284 streams · 3/30 s ${long}`,
      figures: [`connections  1/1 open ${long}`, 'streams      284/284 live', 'messages     1 total', `recovery     ${long}`],
      faults: Array.from({ length: 6 }, (_, i) => ({ atMs: i * 800, name: `fault ${i} ${long}`, status: i ? 'recovering…' : 'recovered 701 ms' })),
      counts: { debug: 0, info: 3, warn: 100, error: 7 },
      recent: Array.from({ length: 107 }, (_, i) => ({ t: i, level: i % 15 ? ('warn' as const) : ('error' as const), text: `[binance-stream-client] line ${i} ${long}` })),
    };
  }

  for (const [cols, rows] of [
    [80, 24],
    [132, 43],
  ] as const) {
    it(`${cols}×${rows}: every frame fits, redraws in place without scrolling, shows the newest log lines`, () => {
      const out = fakeOut(cols, rows);
      const screen = new Screen(out);
      expect(screen.size()).toEqual({ cols, rows });
      for (let i = 0; i < 3; i++) screen.draw(dashboardLines(busyView(), cols, rows));
      expect(out.writes).toHaveLength(3);
      for (const w of out.writes) {
        expect(w.startsWith('\x1b[?25l') || w.startsWith('\x1b[H')).toBe(true);
        const lines = stripAnsi(w).split('\n');
        expect(lines).toHaveLength(rows); // a full screen, and no newline after the last line: nothing scrolls
        for (const l of lines) expect(width(l)).toBeLessThanOrEqual(cols);
        expect(lines.some((l) => l.length === cols && l.endsWith('…'))).toBe(true);
        expect(lines.at(-1)).toMatch(/^ 106s WARN {2}line 106 x/);
        expect(lines).toContain('recent WARN/ERROR (100 WARN, 7 ERROR logged so far)');
      }
      screen.finish(['Summary', 'y'.repeat(200)]);
      const fin = out.writes.at(-1)!;
      expect(stripAnsi(fin).split('\n').slice(0, 2)).toEqual(['Summary', `${'y'.repeat(cols - 1)}…`]);
      expect(fin.endsWith('\x1b[?25h')).toBe(true);
    });
  }

  it('the summary on a terminal: fault names cut before their status, scene lines wrapped, nothing wider than the terminal', () => {
    const view = {
      title: 'Summary (5 s, emulator, spot)',
      figures: [`  streams             ${'z'.repeat(100)}`],
      counts: { debug: 0, info: 0, warn: 2, error: 1 },
      emptyErrorTexts: 0,
      faults: [{ atMs: 500, name: `long fault ${'n'.repeat(100)}`, status: 'recovered 84 ms' }],
      scenes: ['gave up (maxRetries 1) → health btcusdt@depth@100ms: down → reconnect() → live again after 41 ms'],
    };
    const lines = summaryLines(view, 80);
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(80);
    expect(lines).toContain('  log lines           2 WARN, 1 ERROR, 0 with an empty error text');
    expect(lines.find((l) => l.includes('long fault'))).toMatch(/n… recovered 84 ms$/);
    expect(lines.filter((l) => /^ {4}gave up|^ {6}live again after 41 ms$/.test(l))).toHaveLength(2);
    expect(summaryLines(view).find((l) => l.includes('long fault'))).toContain(`${'n'.repeat(100)} recovered 84 ms`); // plain: nothing cut
    expect(wrap('a b c', 3, 1)).toEqual(['a b', ' c']);
  });

  it('live helpers: the network code under fetch and ws wrappers, host:port with the default port written out', () => {
    const agg = Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:443'), { code: 'ECONNREFUSED' })]), { code: 'ECONNREFUSED' });
    expect(networkCode(new TypeError('fetch failed', { cause: agg }))).toBe('ECONNREFUSED');
    expect(networkCode(Object.assign(new Error('ERR_SOCKET: connection failed'), { code: 'ERR_SOCKET', cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }) }))).toBe('ENOTFOUND');
    expect(networkCode(new DOMException('timed out', 'TimeoutError'))).toBe('ETIMEDOUT');
    expect(networkCode(Object.assign(new Error('x'), { code: 'ERR_HANDSHAKE_TIMEOUT' }))).toBe('ERR_HANDSHAKE_TIMEOUT');
    expect(networkCode(new Error('no code'))).toBeUndefined();
    expect(hostPort('wss://stream.binance.com:9443')).toBe('stream.binance.com:9443');
    expect(hostPort('https://api.binance.com/api/v3/exchangeInfo')).toBe('api.binance.com:443');
    expect(unreachableSentence('wss://stream.binance.com:9443', 'ENOTFOUND')).toBe(
      'Cannot reach stream.binance.com:9443 (ENOTFOUND): check the network or run without --live to use the local emulator.',
    );
  });

  it('the log sink counts what it prints, level by level, for the client logger and the demo lines alike', () => {
    const printed: string[] = [];
    const sink = new LogSink((l) => printed.push(l));
    const log = consoleLogger('info', { console: sink.console(), timestamps: false });
    log.warn({ attempt: 2 }, 'retry');
    log.error({ error: new Error('') }, 'gave up');
    log.info({}, 'connected');
    log.debug({}, 'not printed at info');
    sink.demo('error', 'error event: ERR_PARSE: bad\nframe');
    sink.demo('info', 'FAULT drop');
    expect(printed).toHaveLength(5);
    const parsed = printed.map((l) => parseLogLine(l)!);
    expect(parsed.map((p) => p.level)).toEqual(['warn', 'error', 'info', 'error', 'info']);
    expect(parsed[0]!.text).toBe('[binance-stream-client] retry attempt=2');
    expect(parsed[3]!.text).toBe('[demo] error event: ERR_PARSE: bad frame');
    expect(sink.counts).toEqual({ debug: 0, info: 2, warn: 1, error: 2 });
    expect(sink.recentLines(10).map((r) => r.level)).toEqual(['warn', 'error', 'error']);
  });
});

/**
 * The bundled examples run as a user would run them (against the emulator) and exit 0
 * by themselves, and what they print is checked: they cannot silently rot. 08-metrics,
 * 09-proxy and 10-gateway run in their subject's tests; test-your-bot.ts is in vitest's
 * `include`, and mutated copies of it prove it fails when the bot misbehaves.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../helpers/emulator';

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
  it('01-first-stream: five aggTrades in id order from the emulator, then it exits by itself', async () => {
    const { code, out } = await run('examples/01-first-stream.ts', [], 30_000);
    expect(code, out.slice(-3000)).toBe(0);
    const ids = [...out.matchAll(/^trade #(\d+): \d+\.\d+ BTC at \d+\.\d+ USDT$/gm)].map((m) => Number(m[1]));
    expect(ids, out).toHaveLength(5);
    expect(
      ids.map((id) => id - ids[0]!),
      out,
    ).toEqual([0, 1, 2, 3, 4]);
  }, 40_000);

  it('02-typed-events: each kind through its own event, a stream added after start, a bad name rejected', async () => {
    const { code, out } = await run('examples/02-typed-events.ts', ['--duration', '3'], 30_000);
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/connection spot-1 open \(ws:\/\/127\.0\.0\.1:\d+\/stream\?streams=btcusdt@aggTrade\/btcusdt@kline_1s\/ethusdt@bookTicker\), 3 stream\(s\) on it/);
    expect(out).toMatch(/^subscribed: ethusdt@aggTrade$/m);
    expect(out).toMatch(/rejected: ERR_INVALID_STREAM: .*"btcusdt@kline_7m".*interval "7m"/);
    expect(out).toMatch(/first aggTrade on btcusdt@aggTrade: \d+\.\d+ at \d+\.\d+/);
    expect(out).toMatch(/candle BTCUSDT 1s closed at \d+\.\d+ \(\d+ trades\)/);
    for (const s of ['btcusdt@aggTrade', 'btcusdt@kline_1s', 'ethusdt@aggTrade', 'ethusdt@bookTicker']) expect(out).toMatch(new RegExp(`^${s}\\s+[1-9]\\d* messages$`, 'm'));
  }, 40_000);

  it('03-retries-and-errors: the subclass decides the delays, the events tell each failure, the stall is caught', async () => {
    const { code, out } = await run('examples/03-retries-and-errors.ts', [], 60_000);
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/policy: attempt 1 after abnormal failure/);
    expect(out).toMatch(/policy: attempt \d after throttled failure .* wait 2000 ms/);
    expect(out).toMatch(/close 1006 "" \(ERR_CLOSED: .*1006.*\), will reconnect: true/);
    expect(out).toMatch(/close 1008 "Too many requests" \(ERR_CLOSED: .*\), will reconnect: true/);
    expect(out).toMatch(/reconnected after \d+ attempt\(s\), \d+ ms down/);
    expect(out).toMatch(/stale: the connection was silent for \d+ ms \(btcusdt@aggTrade, ethusdt@aggTrade\) → reconnect/);
    expect(out).toMatch(/close 1000 "stale data" \(ERR_STALE: /);
    expect(out).toMatch(/data flows again after the stall \([1-9]\d* more aggTrades\)/);
    expect(out).not.toMatch(/gave up/);
  }, 70_000);

  it('04-gap-free-trades: every aggTrade once across a drop and a stall, the missed ones from REST', async () => {
    const { code, out } = await run('examples/04-gap-free-trades.ts', ['--duration', '6'], 40_000);
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/aggTrades: \d+ received \(\d+ from REST\), 0 lost, 0 duplicated/);
    expect(out).toMatch(/filled from REST/);
  }, 50_000);

  it('05-order-book: the local book survives a drop and a lost event and equals the emulator book', async () => {
    const { code, out } = await run('examples/05-order-book.ts', ['--duration', '4'], 30_000);
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/RESYNC #1 BTCUSDT \(reconnect\)/);
    expect(out).toMatch(/RESYNC #\d BTCUSDT \(gap\): expected U <= \d+/);
    expect(out).toMatch(/local book equals the emulator book/);
  }, 40_000);

  it('06-user-data-spot (HMAC and Ed25519) and 07-user-data-futures: live again after each fault, a gap reported for each, keys never printed', async () => {
    const [hmac, ed, fut] = await Promise.all([
      run('examples/06-user-data-spot.ts', ['--duration', '3'], 30_000),
      run('examples/06-user-data-spot.ts', ['--duration', '3', '--ed25519'], 30_000),
      run('examples/07-user-data-futures.ts', ['--duration', '3'], 30_000),
    ]);
    for (const r of [hmac, ed, fut]) {
      expect(r.code, r.out.slice(-3000)).toBe(0);
      expect(r.out).toMatch(/done: [1-9]\d* events, 2 gaps, socket reconnects [1-9]/);
      expect(r.out).toMatch(/\[fault\] the emulator drops the connection \(1006\)[^]*GAP \d+ ms \(ERR_CLOSED: [^]*user data: live[^]*order BTCUSDT/);
    }
    expect(hmac.out).toMatch(/subscribed \(subscribe\.signature\)/);
    expect(ed.out).toMatch(/subscribed \(session\.logon\)/);
    for (const r of [hmac, ed]) expect(r.out).toMatch(/GAP \d+ ms \(eventStreamTerminated\)/);
    expect(hmac.out).not.toMatch(/example-hmac-(api-key|secret)/);
    expect(fut.out).toMatch(/listenKey replaced \S+ \(was \S+\)/);
    expect(fut.out).toMatch(/GAP \d+ ms \(listenKeyExpired\)/);
    expect(fut.out).not.toMatch(/example-futures-api-key/);
  }, 40_000);

  // 08-metrics, 09-proxy and 10-gateway run in the tests of their subject (they need a scrape, a proxy, Redis).
  it('every example in examples/ is run by a test', () => {
    const testFiles = ['test/integration', 'test/redis'].flatMap((d) =>
      readdirSync(`${root}${d}`)
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `${root}${d}/${f}`),
    );
    const sources = testFiles.map((f) => readFileSync(f, 'utf8'));
    const examples = readdirSync(`${root}examples`).filter((f) => f.endsWith('.ts') && f !== 'test-your-bot.ts');
    expect(examples.filter((f) => /^\d\d-/.test(f)).length).toBeGreaterThanOrEqual(10);
    const unrun = examples.filter((f) => !sources.some((src) => src.includes(`'examples/${f}'`)));
    expect(unrun).toEqual([]);
    // The index names every example, test-your-bot.ts included.
    const index = readFileSync(`${root}examples/README.md`, 'utf8');
    expect([...examples, 'test-your-bot.ts'].filter((f) => !index.includes(`[\`${f}\`](${f})`))).toEqual([]);
    // test-your-bot.ts is a vitest file: the suite runs it as one of its own.
    expect(readFileSync(`${root}vitest.config.ts`, 'utf8')).toMatch(/include: \[[^\]]*'examples\/test-your-bot\.ts'/);
  });
});

/**
 * test-your-bot.ts asserts what its bot does; these copies of it break the bot on purpose and
 * must fail, or the file would pass whatever the bot did.
 */
describe('examples/test-your-bot.ts catches a misbehaving bot', () => {
  it('a bot that counts a trade twice, and one that hides a gap it could not fill, both fail it', async () => {
    const source = readFileSync(`${root}examples/test-your-bot.ts`, 'utf8');
    const mutants = {
      'counts-twice': ['    this.tradeIds.push(t.a);\n', '    this.tradeIds.push(t.a);\n    if (t.a % 7 === 0) this.tradeIds.push(t.a);\n'],
      'hides-gaps': ['      this.gaps.push(g);\n', '      this.gaps.push({ ...g, filled: true });\n      return;\n'],
    } as const;
    mkdirSync(`${root}node_modules/.cache`, { recursive: true }); // a fresh clone has none yet
    const dir = mkdtempSync(`${root}node_modules/.cache/examples-mutants-`);
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, [from, to]] of Object.entries(mutants)) {
      expect(source, `the line mutant ${name} replaces`).toContain(from);
      writeFileSync(`${dir}/${name}.ts`, source.replace(from, to));
    }
    // The project's vitest config, with only the mutants included (vitest excludes node_modules by default).
    writeFileSync(
      `${dir}/vitest.config.ts`,
      `import base from '${root}vitest.config.ts';\nexport default { ...base, test: { ...base.test, include: ['${dir}/*.ts'], exclude: ['${dir}/vitest.config.ts'] } };\n`,
    );
    const { out } = await runVitest(['--config', `${dir}/vitest.config.ts`, '--reporter=json', `--outputFile=${dir}/report.json`, '-t', 'abrupt drop|lost on the way'], 90_000);
    const report = JSON.parse(readFileSync(`${dir}/report.json`, 'utf8')) as { testResults: { name: string; assertionResults: { title: string; status: string }[] }[] };
    const status = (file: string, title: RegExp) => report.testResults.find((r) => r.name.endsWith(file))?.assertionResults.find((a) => title.test(a.title))?.status;
    expect(status('counts-twice.ts', /^an abrupt drop/), out.slice(-3000)).toBe('failed');
    expect(status('counts-twice.ts', /^trades lost on the way/), out.slice(-3000)).toBe('failed');
    expect(status('hides-gaps.ts', /^trades lost on the way/), out.slice(-3000)).toBe('failed');
    // The drop test cannot see a bot that marks every gap filled (REST did fill it there): it must still pass.
    expect(status('hides-gaps.ts', /^an abrupt drop/), out.slice(-3000)).toBe('passed');
  }, 100_000);
});

function runVitest(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', ...args], { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    onCleanup(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vitest did not exit within ${timeoutMs} ms; output:\n${out.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

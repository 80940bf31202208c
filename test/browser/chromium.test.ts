/**
 * The main entry in a real browser (Debian's Chromium, driven by playwright-core): the
 * browser's own WebSocket (no ping frames, string frames), Web Crypto signing, and the
 * client's recovery, against the emulator on loopback.
 *
 * Needs /usr/bin/chromium (`.ci/run` installs it). Without it the test is skipped with a
 * note, unless BSC_REQUIRE_BROWSER=1 (set by `.ci/run` once Chromium is installed), in
 * which case a missing browser fails the run.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBinance } from '../../src/testing';

const CHROMIUM = '/usr/bin/chromium';
const required = process.env.BSC_REQUIRE_BROWSER === '1';
const available = existsSync(CHROMIUM);
if (!available && !required) console.warn(`browser test skipped: ${CHROMIUM} not found (install Debian's chromium to run it)`);

const root = fileURLToPath(new URL('../../', import.meta.url));
const API_KEY = 'browser-test-api-key-0123456789';
const API_SECRET = 'browser-test-secret-0123456789abcdef';

describe.skipIf(!available && !required)('the main entry in Chromium', () => {
  let ex: FakeBinance;
  let server: Server;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ex = await FakeBinance.start({ market: 'spot', rates: { aggTrade: 50 } });
    ex.wsApi.addAccount({ apiKey: API_KEY, secret: API_SECRET });
    const bundle = await build({
      entryPoints: [root + 'src/index.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const js = bundle.outputFiles[0]!.text;
    server = createServer((req, res) => {
      if (req.url === '/bsc.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        res.end(js);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>binance-stream-client</title><script type="module">import * as m from "/bsc.js"; window.bsc = m;</script>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (window as unknown as { bsc?: unknown }).bsc !== undefined, undefined, { timeout: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await ex?.close();
  });

  it('receives typed market data, recovers from a drop, and subscribes to spot user data signed with Web Crypto', async () => {
    const opts = { ...ex.clientOptions(), apiKey: API_KEY, apiSecret: API_SECRET };
    const first = await page.evaluate(async (o) => {
      const w = window as unknown as Record<string, any>;
      const mod = w.bsc;
      const client = new mod.BinanceStreamClient(o);
      w.client = client;
      w.trades = [];
      w.reports = [];
      w.reconnected = 0;
      w.errors = [];
      client.on('aggTrade', (t: { a: number }) => w.trades.push(t.a));
      client.on('executionReport', (r: { c: string }) => w.reports.push(r.c));
      client.on('reconnected', () => w.reconnected++);
      client.on('error', (e: { error: { message: string } }) => w.errors.push(e.error.message));
      client.subscribe(['btcusdt@aggTrade']);
      await client.start();
      const t0 = Date.now();
      while (w.trades.length < 5 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      await client.subscribeUserData();
      return { trades: w.trades.length, userData: client.stats().userData[0]?.state, sockets: client.stats().pool.sockets.length };
    }, opts);
    expect(first.trades).toBeGreaterThanOrEqual(5);
    expect(first.userData).toBe('live');
    expect(first.sockets).toBe(1);

    // Spot user data arrives through the WebSocket API subscription the browser signed.
    expect(ex.wsApi.pushEvent(API_KEY, { e: 'executionReport', E: Date.now(), s: 'BTCUSDT', c: 'from-browser', S: 'BUY', x: 'NEW', X: 'NEW' })).toBeGreaterThan(0);
    // An abrupt drop of the market-data connection: the browser client reconnects by itself.
    ex.faults.close({ stream: 'btcusdt@aggTrade' }, { code: 1006 });

    const second = await page.evaluate(async () => {
      const w = window as unknown as Record<string, any>;
      const before = w.trades.length;
      const t0 = Date.now();
      while ((w.reports.length < 1 || w.reconnected < 1 || w.trades.length < before + 5) && Date.now() - t0 < 8000) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const out = { reports: [...w.reports], reconnected: w.reconnected, more: w.trades.length - before, errors: [...w.errors] };
      await w.client.stop();
      return out;
    });
    expect(second.reports).toEqual(['from-browser']);
    expect(second.reconnected).toBeGreaterThanOrEqual(1);
    expect(second.more).toBeGreaterThanOrEqual(5);
    expect(second.errors).toEqual([]);
    await expect.poll(() => ex.connections().length, { timeout: 3000 }).toBe(0);
  }, 30_000);
});

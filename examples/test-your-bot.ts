/**
 * Test your bot against a Binance that breaks on demand: a vitest file to copy into your project.
 *
 *   npx vitest run examples/test-your-bot.ts
 *
 * `FakeBinance` (from `binance-stream-client/testing`) is a real WebSocket + REST server on
 * 127.0.0.1 that behaves like Binance: nothing here touches the internet, and nothing is mocked
 * inside the client. Each test starts the bot as it runs in production, breaks the connection the
 * way Binance does (an abrupt drop, a silent stall, a `serverShutdown` restart, events lost on the
 * way) and asserts what the bot did about it: it recovers by itself, it never sees a trade twice,
 * and it never loses one without being told.
 *
 * In your project, the bot comes from your own code; here it is the small class below.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BinanceStreamClient } from 'binance-stream-client';
import type { AggTradeEvent, BinanceStreamClientOptions, GapEvent } from 'binance-stream-client';
import { FakeBinance } from 'binance-stream-client/testing';

// ─── The bot under test ─────────────────────────────────────────────────────────────────────────

/** Keeps the last price and the VWAP of one symbol's trades, and knows when its VWAP is incomplete. */
class VwapBot {
  readonly tradeIds: number[] = [];
  readonly gaps: GapEvent[] = [];
  readonly alerts: string[] = [];
  lastPrice: number | undefined;
  private volume = 0;
  private notional = 0;

  constructor(readonly client: BinanceStreamClient) {
    client.on('aggTrade', (t) => this.onTrade(t));
    // The client compares every aggTrade id with the one before: a missing range is a `gap` event,
    // filled from REST first when `backfill` is on. A bot that ignores `gap` trades on holes.
    client.on('gap', (g) => {
      this.gaps.push(g);
      if (!g.filled) this.alerts.push(`lost ${g.kind === 'depth' ? '?' : g.count} on ${g.stream}: ${g.reason}`);
    });
    client.on('stale', (e) => this.alerts.push(`${e.scope} stale after ${e.silentMs} ms`));
  }

  private onTrade(t: AggTradeEvent): void {
    this.tradeIds.push(t.a);
    this.lastPrice = Number(t.p);
    this.volume += Number(t.q);
    this.notional += Number(t.p) * Number(t.q);
  }

  get vwap(): number {
    return this.notional / this.volume;
  }

  /** Trade on the VWAP only while it covers every trade: false once a gap could not be filled. */
  get complete(): boolean {
    return this.gaps.every((g) => g.filled);
  }
}

/** Starts the bot the way production does; only the URLs differ (`fake.clientOptions()`). */
async function startBot(options: BinanceStreamClientOptions): Promise<VwapBot> {
  const bot = new VwapBot(new BinanceStreamClient({ backfill: true, ...options }));
  bot.client.subscribe('btcusdt@aggTrade');
  await bot.client.start();
  return bot;
}

// ─── Helpers for the assertions ─────────────────────────────────────────────────────────────────

/** Ids that appear more than once, and ids missing between the first and the last. */
function holesAndRepeats(ids: readonly number[]): { missing: number; repeated: number } {
  let missing = 0;
  let repeated = 0;
  for (let i = 1; i < ids.length; i++) {
    const step = (ids[i] as number) - (ids[i - 1] as number);
    if (step <= 0) repeated++;
    else missing += step - 1;
  }
  return { missing, repeated };
}

/** Waits until the bot has seen `n` more trades than it had when called (the feed is alive). */
async function moreTrades(bot: VwapBot, n: number): Promise<void> {
  const target = bot.tradeIds.length + n;
  await vi.waitFor(() => expect(bot.tradeIds.length).toBeGreaterThanOrEqual(target), { timeout: 15_000, interval: 20 });
}

// ─── The tests ──────────────────────────────────────────────────────────────────────────────────

describe('the VWAP bot against FakeBinance', () => {
  let fake: FakeBinance;
  let bot: VwapBot | undefined;

  beforeEach(async () => {
    // 50 trades a second on one symbol, the same trades for the same seed in every run.
    fake = await FakeBinance.start({ market: 'spot', symbols: ['btcusdt'], rates: { aggTrade: 50 }, seed: 7 });
  });

  afterEach(async () => {
    await bot?.client.stop();
    bot = undefined;
    // stop() closed every socket: the emulator sees no connection left.
    await vi.waitFor(() => expect(fake.stats().connectionsOpen).toBe(0), { timeout: 5_000 });
    await fake.close();
  });

  it('an abrupt drop (1006) and a refused redial: it reconnects, and the trades it missed come from REST, in order, once', async () => {
    bot = await startBot(fake.clientOptions());
    await moreTrades(bot, 50);

    fake.faults.rejectUpgrades({ status: 503, count: 1 }); // and the first redial is refused: a real outage
    fake.faults.close({ all: true }, { code: 1006 }); // a TCP reset: no close frame
    await vi.waitFor(() => expect(bot?.gaps.length).toBe(1), { timeout: 15_000 });
    await moreTrades(bot, 50);

    expect(bot.gaps[0]).toMatchObject({ stream: 'btcusdt@aggTrade', cause: 'reconnect', filled: true });
    expect(holesAndRepeats(bot.tradeIds)).toEqual({ missing: 0, repeated: 0 });
    expect(bot.complete).toBe(true);

    // The VWAP equals one computed from the exchange's own trade history over the same ids.
    const first = bot.tradeIds[0] as number;
    const rows = (await (await fetch(`${fake.urls.http}/api/v3/aggTrades?symbol=BTCUSDT&fromId=${first}&limit=1000`)).json()) as { a: number; p: string; q: string }[];
    const seen = rows.filter((r) => r.a <= (bot?.tradeIds.at(-1) as number));
    expect(seen.map((r) => r.a)).toEqual(bot.tradeIds);
    const volume = seen.reduce((v, r) => v + Number(r.q), 0);
    const notional = seen.reduce((n, r) => n + Number(r.p) * Number(r.q), 0);
    expect(bot.vwap).toBe(notional / volume);
  });

  it('a silent stall (the socket stays open, no data): it notices, reconnects and fills the hole', async () => {
    bot = await startBot(fake.clientOptions());
    await moreTrades(bot, 100); // the client learns how busy the stream is: a stall is judged against that

    fake.faults.stall({ all: true }); // pings still answered, so only the silence gives it away
    await vi.waitFor(() => expect(bot?.alerts).toContainEqual(expect.stringMatching(/^connection stale after \d+ ms$/)), { timeout: 15_000 });
    await moreTrades(bot, 50);

    expect(bot.gaps).toEqual([expect.objectContaining({ cause: 'stall', filled: true })]);
    expect(holesAndRepeats(bot.tradeIds)).toEqual({ missing: 0, repeated: 0 });
    expect(bot.complete).toBe(true);
  });

  it('serverShutdown (Binance restarting a server): it moves to a new connection without losing a trade', async () => {
    bot = await startBot(fake.clientOptions());
    await moreTrades(bot, 50);
    const before = fake.connections().map((c) => c.id);

    fake.faults.serverShutdown({ all: true }, { closeAfterMs: 3_000 }); // announced, then closed 3 s later
    // The client opens the new connection before it lets go of the old one.
    await vi.waitFor(() => expect(fake.connections().map((c) => c.id)).toEqual([expect.not.toBeOneOf(before)]), { timeout: 15_000 });
    await moreTrades(bot, 50);

    expect(holesAndRepeats(bot.tradeIds)).toEqual({ missing: 0, repeated: 0 });
    expect(bot.gaps.filter((g) => !g.filled)).toEqual([]);
    expect(bot.complete).toBe(true);
  });

  it('trades lost on the way and REST unable to fill them: it is told exactly what is missing', async () => {
    // Binance's REST refuses the backfill: its firewall answers every aggTrades request with a 403 page.
    fake.faults.failRest({ path: '/api/v3/aggTrades', status: 403, body: '<html>403 Forbidden</html>', times: Infinity });
    bot = await startBot(fake.clientOptions());
    await moreTrades(bot, 50);

    fake.faults.muteStream('btcusdt@aggTrade', { durationMs: 400 }); // these trades happen, but nobody gets them
    await vi.waitFor(() => expect(bot?.gaps.length).toBe(1), { timeout: 15_000 });
    await moreTrades(bot, 20);

    const gap = bot.gaps[0];
    expect(gap).toMatchObject({ stream: 'btcusdt@aggTrade', filled: false, reason: expect.stringMatching(/HTTP 403/) });
    expect(bot.complete).toBe(false); // the bot knows its VWAP is not the market's
    expect(bot.alerts).toEqual([expect.stringMatching(/^lost \d+ on btcusdt@aggTrade: /)]);
    // Nothing lost silently: every id missing from what the bot saw is inside the reported gap.
    const { missing, repeated } = holesAndRepeats(bot.tradeIds);
    expect(repeated).toBe(0);
    expect(gap?.kind === 'aggTrade' && gap.count).toBe(missing);
    expect(missing).toBe(fake.stats().eventsMuted);
  });
});

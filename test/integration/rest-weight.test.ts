/**
 * MarketRest and the REST weight budget against a small, independent Binance-like REST server
 * (node:http on 127.0.0.1, port 0; not the emulator). The server counts request weight in a
 * rolling window (shrunk from a minute to 500 ms), returns X-MBX-USED-WEIGHT-1M, answers 429
 * with Retry-After once a client goes over, and 418 (a ban) if it keeps going during the 429.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../src/rest/http';
import { MarketRest } from '../../src/rest/market-rest';
import { RestWeightBudget } from '../../src/rest/weight-budget';

const WINDOW_MS = 500;
const LIMIT = 100;
const TRADES = 150; // per symbol: two pages of 100
const PAGE = 100;
const AGG_WEIGHT = 4; // spot /api/v3/aggTrades

interface Arrival {
  at: number;
  symbol: string;
  status: number;
}

interface WeightServer {
  url: string;
  arrivals: Arrival[];
  readonly maxUsed: number;
  readonly count429: number;
  readonly count418: number;
  close(): Promise<void>;
}

const servers: WeightServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** `otherProcess`: weight some other process on this IP spends just before the first request arrives. */
async function startWeightServer(options: { otherProcess?: number; banAfter?: number } = {}): Promise<WeightServer> {
  const held: { at: number; weight: number }[] = [];
  const arrivals: Arrival[] = [];
  let maxUsed = 0;
  let count429 = 0;
  let count418 = 0;
  let penaltyUntil = 0;
  let strikes = 0;
  let bannedUntil = 0;
  let other = options.otherProcess ?? 0;
  const banAfter = options.banAfter ?? 20;
  const used = (now: number) => {
    while (held.length && (held[0] as { at: number }).at <= now - WINDOW_MS) held.shift();
    return held.reduce((s, h) => s + h.weight, 0);
  };
  const server = createServer((req, res) => {
    const now = Date.now();
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const symbol = u.searchParams.get('symbol') ?? '';
    if (other > 0) {
      held.push({ at: now, weight: other });
      other = 0;
    }
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      arrivals.push({ at: now, symbol, status });
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-MBX-USED-WEIGHT-1M': String(used(now)), ...headers });
      res.end(JSON.stringify(body));
    };
    const throttle = (status: 429 | 418, retryAfterS: number): void => {
      if (status === 429) count429++;
      else count418++;
      reply(status, { code: -1003, msg: status === 429 ? 'Too many requests' : 'IP banned' }, { 'Retry-After': String(retryAfterS) });
    };
    if (bannedUntil > now) return throttle(418, Math.ceil((bannedUntil - now) / 1000));
    if (penaltyUntil > now) {
      // Still going during a 429: strike; too many strikes is a ban.
      if (++strikes <= banAfter) return throttle(429, 1);
      bannedUntil = now + 2_000;
      return throttle(418, 2);
    }
    if (u.pathname !== '/api/v3/aggTrades') return reply(404, { code: -1, msg: 'not here' });
    if (used(now) + AGG_WEIGHT > LIMIT) {
      penaltyUntil = now + 1_000;
      strikes = 0;
      return throttle(429, 1);
    }
    held.push({ at: now, weight: AGG_WEIGHT });
    maxUsed = Math.max(maxUsed, used(now));
    const fromId = Number(u.searchParams.get('fromId') ?? 0);
    const limit = Number(u.searchParams.get('limit') ?? 500);
    const rows = [];
    for (let a = fromId; a < Math.min(TRADES, fromId + limit); a++) rows.push({ a, p: '1.0', q: '1.0', f: a, l: a, T: a, m: false, M: true });
    reply(200, rows);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ws: WeightServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    get maxUsed() {
      return maxUsed;
    },
    get count429() {
      return count429;
    },
    get count418() {
      return count418;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(ws);
  return ws;
}

/** Page through a symbol's aggTrades by fromId, as a backfill does. */
async function pager(rest: MarketRest, symbol: string, owner: string): Promise<number[]> {
  const ids: number[] = [];
  for (let fromId = 0; ;) {
    const rows = await rest.aggTrades({ symbol, fromId, limit: PAGE }, { owner });
    ids.push(...rows.map((r) => r.a));
    if (rows.length < PAGE) return ids;
    fromId = (rows[rows.length - 1] as { a: number }).a + 1;
  }
}

const ALL_IDS = Array.from({ length: TRADES }, (_, i) => i);

describe('MarketRest + RestWeightBudget against a weight-counting server', () => {
  it('50 concurrent aggTrades pagers across 10 owners never exceed the limit and are served fairly', async () => {
    const server = await startWeightServer();
    const budget = new RestWeightBudget({ limitPerMinute: LIMIT, headroom: 0.2, windowMs: WINDOW_MS });
    const rest = new MarketRest({ market: 'spot', baseUrl: server.url, budget });
    // owner-0 backfills 41 streams and starts first; owners 1–9 one stream each.
    const plan = Array.from({ length: 50 }, (_, i) => ({ symbol: `S${i}USDT`, owner: i < 41 ? 'owner-0' : `owner-${i - 40}` }));
    const ownerOf = new Map(plan.map((p) => [p.symbol, p.owner]));
    const results = await Promise.all(plan.map((p) => pager(rest, p.symbol, p.owner)));

    for (const ids of results) expect(ids).toEqual(ALL_IDS); // every trade, once, in order
    expect(server.arrivals).toHaveLength(100);
    expect([server.count429, server.count418]).toEqual([0, 0]);
    expect(server.maxUsed).toBeLessThanOrEqual(LIMIT * 0.8); // the server never counted more than the budget let through
    // Fair: after the first 20 (granted at once, all owner-0's), owners 1–9 are served in the next
    // rounds, one request per owner per round. First come, first served would put their first
    // pages after owner-0's 41 (arrivals 41+) and their second pages past arrival 70.
    const order = server.arrivals.map((a) => ownerOf.get(a.symbol));
    for (let k = 1; k <= 9; k++) {
      const mine = order.flatMap((o, i) => (o === `owner-${k}` ? [i] : []));
      expect(mine, `owner-${k} arrivals ${mine.join(',')}`).toHaveLength(2);
      expect(mine[0]).toBeLessThan(35);
      expect(mine[1]).toBeLessThan(50);
    }
    expect(budget.state()).toMatchObject({ queued: 0, rejected429: 0, banned418: 0 });
    expect(budget.timersArmed).toBe(0);
  });

  it('a 429 pauses every request to the host (all clients of the shared budget) for its Retry-After; no 418', async () => {
    const server = await startWeightServer({ otherProcess: 60 });
    const events: ({ kind: 'send'; at: number; via: string } | { kind: 'pause'; pauseMs: number; until: number })[] = [];
    const warns: unknown[] = [];
    const logger = {
      warn: (fields: Record<string, unknown>) => {
        warns.push(fields);
        events.push({ kind: 'pause', pauseMs: fields.pauseMs as number, until: fields.pausedUntil as number });
      },
    };
    // The host's process-wide budget, created with test-sized limits; both clients find it by host.
    const shared = RestWeightBudget.shared(server.url, { limitPerMinute: LIMIT, headroom: 0.2, windowMs: WINDOW_MS, logger });
    const recording =
      (via: string): FetchLike =>
      (url, init) => {
        events.push({ kind: 'send', at: Date.now(), via });
        return fetch(url, init);
      };
    const restA = new MarketRest({ market: 'spot', baseUrl: server.url, fetch: recording('A') });
    const restB = new MarketRest({ market: 'spot', baseUrl: `${server.url}/`, fetch: recording('B') });
    expect(restA.budget).toBe(shared);
    expect(restB.budget).toBe(shared);

    const plan = Array.from({ length: 50 }, (_, i) => ({ symbol: `P${i}USDT`, owner: `owner-${i % 10}`, rest: i % 10 < 5 ? restA : restB }));
    const results = await Promise.all(plan.map((p) => pager(p.rest, p.symbol, p.owner)));

    for (const ids of results) expect(ids).toEqual(ALL_IDS);
    expect(server.count429).toBeGreaterThan(0); // the other process's 60 took the first burst over the limit
    expect(server.count418).toBe(0); // the client backed off: no ban
    expect(warns).toHaveLength(1); // one WARN for the one pause
    const p = events.findIndex((e) => e.kind === 'pause');
    const pause = events[p] as { pauseMs: number; until: number };
    expect(pause.pauseMs).toBe(1_000); // Retry-After: 1
    const after = events.slice(p + 1).filter((e): e is { kind: 'send'; at: number; via: string } => e.kind === 'send');
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((e) => e.at < pause.until)).toEqual([]); // nothing was sent during the pause…
    expect(new Set(after.map((e) => e.via))).toEqual(new Set(['A', 'B'])); // …by either client, and both resumed
    expect(shared.state()).toMatchObject({ queued: 0, rejected429: server.count429, banned418: 0 });
  });
});

/**
 * Futures-only payloads (USD-M and COIN-M), Binance's field names and order: mark price
 * (`markPriceUpdate`; USD-M has `ap`; both the post-merger `st`), COIN-M index price
 * (`indexPriceUpdate`), liquidations (`forceOrder`), `!contractInfo`, USD-M asset indexes
 * (`assetIndexUpdate`), composite indexes (`compositeIndex`), `tradingSession`, and spot block
 * trades (`blockTrade`).
 *
 * Event-driven streams are rare: with steady pacing a liquidation, a contract-info change or (spot)
 * a block trade happens on a paced check with a small probability (seeded per stream), so at the
 * default cadence they are minutes apart and a higher `rates` entry makes them frequent. Under
 * `activity: 'realistic'` the activity model already paces them as rare events: every check fires
 * (`chance` 1).
 */
import { Rng, hashString } from './rng';
import type { StreamGenerator } from './stream-generators';
import type { SymbolState } from './symbol-state';

/** Chance per check (default cadence 1/s) that a symbol had a liquidation in that second. */
export const FORCE_ORDER_CHANCE = 1 / 60;
/** Chance per check (1/s) that a contract's info changed (listing, settlement, bracket update). */
export const CONTRACT_INFO_CHANCE = 1 / 600;
/** Chance per check (1/s) of a spot block trade on a symbol. */
export const BLOCK_TRADE_CHANCE = 1 / 300;

const EIGHT_HOURS = 28_800_000;

/** A rare stream's check at `now`: its event(s), or none; `always`: the check fires (floods). */
export type RareNext = (now: number, always?: boolean) => string | string[] | undefined;

export function markPriceJson(s: SymbolState, now: number, st: number): string {
  const m = s.step();
  const T = Math.floor(now / EIGHT_HOURS) * EIGHT_HOURS + EIGHT_HOURS;
  const P = s.px(m + s.stepTicks);
  const i = s.px(m - s.stepTicks);
  // COIN-M has no `ap` (mark price moving average).
  if (st === 2) return `{"e":"markPriceUpdate","E":${now},"s":"${s.upper}","p":"${s.px(m)}","P":"${P}","i":"${i}","r":"0.00010000","T":${T},"st":2}`;
  return `{"e":"markPriceUpdate","E":${now},"s":"${s.upper}","p":"${s.px(m)}","ap":"${s.px(m)}","P":"${P}","i":"${i}","r":"0.00010000","T":${T},"st":${st}}`;
}

/** COIN-M `<pair>@indexPrice[@1s]`: `i` is the pair. */
export function indexPriceJson(s: SymbolState, now: number): string {
  return `{"e":"indexPriceUpdate","E":${now},"i":"${s.pair}","p":"${s.px(s.step() - s.stepTicks)}"}`;
}

/** One liquidation order (`o` of a forceOrder event); COIN-M adds the pair `ps` inside `o`. */
function liquidationJson(s: SymbolState, rng: Rng, now: number, cm: boolean): string {
  const side = rng.bool() ? 'SELL' : 'BUY';
  const q = s.qty(s.randomQty(rng));
  const p = s.px(s.mid + (side === 'SELL' ? -1 : 1) * s.stepTicks * (1 + rng.int(5)));
  const ps = cm ? `"ps":"${s.pair}",` : '';
  return `{"s":"${s.upper}",${ps}"S":"${side}","o":"LIMIT","f":"IOC","q":"${q}","p":"${p}","ap":"${p}","X":"FILLED","l":"${q}","z":"${q}","T":${now}}`;
}

/**
 * `<s>@forceOrder` (one symbol) or `!forceOrder@arr` (every symbol; each liquidation its own
 * event, with `ps` and `st`): per check, each symbol liquidated with {@link FORCE_ORDER_CHANCE}.
 */
export function forceOrderNext(stream: string, seed: number, symbols: () => SymbolState[], st: number, all: boolean, chance = FORCE_ORDER_CHANCE): RareNext {
  const rng = new Rng(hashString(`${stream}#liquidations`, seed));
  return (now, always = false) => {
    const out: string[] = [];
    const list = symbols();
    // A check that always fires (activity-paced, flood) is one liquidation somewhere, not one everywhere.
    const pick = (always || chance >= 1) && list.length > 1 ? list[rng.int(list.length)] : undefined;
    for (const s of list) {
      if (pick ? s !== pick : !always && !rng.bool(chance)) continue;
      s.step();
      const o = liquidationJson(s, rng, now, st === 2);
      out.push(all ? `{"e":"forceOrder","E":${now},"o":${o},"ps":"${s.pair}","st":${st}}` : `{"e":"forceOrder","E":${now},"o":${o}}`);
    }
    return out.length === 0 ? undefined : out.length === 1 ? out[0] : out;
  };
}

/** `!contractInfo`: rare per-contract updates; `bks` (brackets) only when the brackets changed. */
export function contractInfoNext(stream: string, seed: number, symbols: () => SymbolState[], st: number, chance = CONTRACT_INFO_CHANCE): RareNext {
  const rng = new Rng(hashString(`${stream}#contracts`, seed));
  return (now, always = false) => {
    if (!always && !rng.bool(chance)) return undefined;
    const all = symbols();
    const s = all[rng.int(all.length)];
    if (!s) return undefined;
    const ct = s.upper.endsWith('_PERP') || st === 1 ? 'PERPETUAL' : 'CURRENT_QUARTER';
    const onboard = 1_569_398_400_000 + (hashString(s.symbol) % 100_000) * 86_400;
    const bks = rng.bool() ? `,"bks":[{"bs":1,"bnf":0,"bnc":5000,"mmr":0.01,"cf":0,"mi":21,"ma":50},{"bs":2,"bnf":5000,"bnc":25000,"mmr":0.025,"cf":75,"mi":11,"ma":20}]` : '';
    return `{"e":"contractInfo","E":${now},"s":"${s.upper}","ps":"${s.pair}","ct":"${ct}","dt":4133404800000,"ot":${onboard},"cs":"TRADING"${bks},"st":${st}}`;
  };
}

/** The asset of a USD-M symbol as asset indexes name it (`btcusdt` → `BTCUSD`). */
export function assetIndexSymbol(s: SymbolState): string {
  return `${s.upper.replace(/(USDT|USDC|BUSD|USD)$/, '')}USD`;
}

/** USD-M `<asset>@assetIndex` / `!assetIndex@arr` entry (Multi-Assets mode asset index). */
export function assetIndexJson(s: SymbolState, now: number): string {
  const i = s.step() * s.tickSize;
  const f = (x: number): string => x.toFixed(8);
  return (
    `{"e":"assetIndexUpdate","E":${now},"s":"${assetIndexSymbol(s)}","i":"${f(i)}","b":"0.10000000","a":"0.10000000",` +
    `"B":"${f(i * 0.9)}","A":"${f(i * 1.1)}","q":"0.05000000","g":"0.05000000","Q":"${f(i * 0.95)}","G":"${f(i * 1.05)}"}`
  );
}

/** USD-M `<s>@compositeIndex`: the index price and its constituents (drawn from the other symbols). */
export function compositeIndexJson(s: SymbolState, others: SymbolState[], now: number): string {
  const parts = others.filter((o) => o !== s).slice(0, 3);
  const w = parts.length ? 1 / parts.length : 1;
  const c = parts.map((o) => {
    const px = (o.anchor ? o.anchor() : o.mid) * o.tickSize;
    return `{"b":"${o.upper.replace(/(USDT|USDC|BUSD)$/, '')}","q":"USDT","w":"${(w / px).toFixed(8)}","W":"${w.toFixed(8)}","i":"${px.toFixed(8)}"}`;
  });
  return `{"e":"compositeIndex","E":${now},"s":"${s.upper}","p":"${s.px(s.step())}","C":"baseAsset","c":[${c.join(',')}]}`;
}

/** Underlying markets of `tradingSession` and their regular hours (UTC, minutes from midnight). */
const SESSIONS: readonly (readonly [event: string, open: number, close: number])[] = [
  ['EquityUpdate', 13 * 60 + 30, 20 * 60],
  ['CommodityUpdate', 1 * 60, 22 * 60],
  ['KR_EquityUpdate', 0, 6 * 60 + 30],
  ['HK_EquityUpdate', 1 * 60 + 30, 8 * 60],
  ['CN_EquityUpdate', 1 * 60 + 30, 7 * 60],
  ['FXUpdate', 0, 24 * 60],
];

/** `tradingSession`: one message per underlying market, the current session and its `t`..`T` span. */
export function tradingSessionJson(now: number): string[] {
  const day = Math.floor(now / 86_400_000) * 86_400_000;
  const weekday = new Date(now).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  return SESSIONS.map(([e, open, close]) => {
    const o = day + open * 60_000;
    const c = day + close * 60_000;
    let S = 'NO_TRADING';
    let t = day;
    let T = day + 86_400_000 - 1;
    if (!weekend && now >= o && now < c) [S, t, T] = ['REGULAR', o, c - 1];
    else if (!weekend && e === 'EquityUpdate') {
      // U.S. equities: pre-market before the open, after-market after it, overnight from midnight.
      if (now < day + 8 * 3_600_000) [S, t, T] = ['OVERNIGHT', day, day + 8 * 3_600_000 - 1];
      else if (now < o) [S, t, T] = ['PRE_MARKET', day + 8 * 3_600_000, o - 1];
      else [S, t, T] = ['AFTER_MARKET', c, day + 86_400_000 - 1];
    } else if (!weekend) [t, T] = now < o ? [day, o - 1] : [c, day + 86_400_000 - 1];
    return `{"e":"${e}","E":${now},"t":${t},"T":${T},"S":"${S}"}`;
  });
}

/**
 * Spot `<s>@blockTrade` (since 2026-05-12): rare checks, its own id sequence `t`; a flood
 * advances `t` (and `E`/`T`) from the same sequence.
 */
export function blockTradeGenerator(stream: string, seed: number, s: SymbolState, chance = BLOCK_TRADE_CHANCE): StreamGenerator {
  const rng = new Rng(hashString(`${stream}#blocks`, seed));
  let id = 10_000 + rng.int(1_000_000);
  const json = (now: number, t: number): string => `{"e":"blockTrade","E":${now},"s":"${s.upper}","t":${t},"p":"${s.px(s.step())}","q":"${s.qty(s.randomQty(rng) * 50)}","T":${now},"m":${rng.bool()}}`;
  return {
    stream,
    next: (now) => (rng.bool(chance) ? json(now, id++) : undefined),
    flood: {
      ids: [{ key: 't', step: 1 }],
      timeKeys: ['E', 'T'],
      peek: () => [id],
      render: (count, ids, now) => Array.from({ length: count }, () => json(now, ids[0] ?? id)),
      commit: (n) => {
        id += n;
      },
    },
    dispose() {},
  };
}

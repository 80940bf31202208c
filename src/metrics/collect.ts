/**
 * Scrape-time figures: one pass over `client.stats()` (which brings each stream's health
 * up to date) of every client gives every `scrape` metric of ./definitions.ts. Runs when the registry is scraped
 * (or the OpenTelemetry reader collects), never on the message path.
 */
import { classifyStream } from '../advanced';
import type { SocketState, StreamKind } from '../index';
import type { MetricKey } from './definitions';
import type { ResolvedMetricsOptions } from './options';
import { Accumulator, LabelMaker, SeriesSet } from './series';
import type { Series, Snapshot } from './series';

const SOCKET_STATES: readonly SocketState[] = ['idle', 'connecting', 'open', 'reconnecting', 'failed', 'closing', 'closed'];
const HEALTH_STATES = ['live', 'degraded', 'down', 'pending'] as const;

/** `kind` label of a stream (bounded: the library's stream kinds). */
export function kindOf(stream: string, futures: boolean): StreamKind {
  return classifyStream(stream, futures).kind;
}

export class Collector {
  private readonly acc = new Accumulator();

  constructor(
    private readonly o: ResolvedMetricsOptions,
    private readonly labels: LabelMaker,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every scrape metric's series right now. */
  snapshot(): Snapshot {
    const now = this.now();
    const sets = new Map<MetricKey, SeriesSet>();
    const set = (k: MetricKey): SeriesSet => {
      let s = sets.get(k);
      if (!s) sets.set(k, (s = new SeriesSet()));
      return s;
    };
    const L = this.labels;
    this.acc.begin();
    this.o.clients.forEach((client, ci) => {
      const market = client.market.id;
      const futures = market !== 'spot';
      const stats = client.stats();
      const m = { market };

      for (const st of stats.pool.streams) {
        const v = { market, kind: kindOf(st.stream, futures) };
        this.acc.update('messages', `${ci}:${st.stream}`, L.make('messages', v, st.stream), st.messages);
        this.acc.update('duplicates', `${ci}:${st.stream}`, L.make('duplicates', v, st.stream), st.duplicatesDropped);
        if (st.lagMs !== undefined) set('lag').max(L.make('lag', v, st.stream), Math.max(0, st.lagMs) / 1000);
        if (st.lastMessageAt !== undefined) set('silence').max(L.make('silence', v, st.stream), Math.max(0, now - st.lastMessageAt) / 1000);
      }
      const byState = new Map<string, number>();
      for (const st of stats.pool.streams) byState.set(st.state, (byState.get(st.state) ?? 0) + 1);
      for (const state of HEALTH_STATES) set('streams').add(L.make('streams', { market, state }), byState.get(state) ?? 0);

      const conn = new Map<string, number>();
      for (const s of stats.pool.sockets) conn.set(`market:${s.state}`, (conn.get(`market:${s.state}`) ?? 0) + 1);
      for (const u of stats.userData) conn.set(`user_data:${u.socket.state}`, (conn.get(`user_data:${u.socket.state}`) ?? 0) + 1);
      for (const purpose of ['market', 'user_data']) for (const state of SOCKET_STATES) set('connections').add(L.make('connections', { market, purpose, state }), conn.get(`${purpose}:${state}`) ?? 0);

      // Process-wide budgets: the same figure under each client's market (max, not sum, for clients of one market).
      const b = stats.pool.budget;
      if (b) {
        set('budgetAttempts').max(L.make('budgetAttempts', m), b.attemptsInWindow);
        set('budgetLimit').max(L.make('budgetLimit', m), b.effectiveLimit);
        set('budgetQueued').max(L.make('budgetQueued', m), b.queued);
        set('budgetPaused').max(L.make('budgetPaused', m), Math.max(0, b.pausedUntil - now) / 1000);
        set('budgetGranted').max(L.make('budgetGranted', m), b.granted);
        set('budgetRejections').max(L.make('budgetRejections', m), b.rejections);
      }
      const r = stats.rest;
      set('restUsed').max(L.make('restUsed', m), r.usedWeight);
      set('restLimit').max(L.make('restLimit', m), r.effectiveLimit);
      set('restQueued').max(L.make('restQueued', m), r.queued);
      set('restPaused').max(L.make('restPaused', m), Math.max(0, r.pausedUntil - now) / 1000);
      set('restRequests').max(L.make('restRequests', m), r.granted);
      set('restRejections').max(L.make('restRejections', { market, status: '429' }), r.rejected429);
      set('restRejections').max(L.make('restRejections', { market, status: '418' }), r.banned418);

      for (const u of stats.userData) {
        const v = { market, product: u.product };
        set('userDataLive').add(L.make('userDataLive', v), u.state === 'live' ? 1 : 0);
        this.acc.update('userDataEvents', `${ci}:${u.product}`, L.make('userDataEvents', v), u.events);
        this.acc.update('userDataGaps', `${ci}:${u.product}`, L.make('userDataGaps', v), u.gaps);
      }
    });
    this.acc.end();
    const out = new Map<MetricKey, Series[]>();
    for (const [k, s] of sets) out.set(k, s.list());
    for (const k of ['messages', 'duplicates', 'userDataEvents', 'userDataGaps'] as const) out.set(k, this.acc.list(k));
    return out;
  }
}

/**
 * Event-driven metrics: one listener per counted event of each client (never `message`, a
 * data event or `error`: an `error` listener would change how the client logs listener faults), each incrementing an `event` metric of ./definitions.ts through a sink the
 * adapter provides. `listen()` returns the function that removes every listener.
 */
import type { ClientEvents } from '../index';
import { kindOf } from './collect';
import type { MetricKey } from './definitions';
import type { MetricsClient, ResolvedMetricsOptions } from './options';
import type { LabelMaker, Labels } from './series';

export interface EventSink {
  inc(key: MetricKey, labels: Labels, by: number): void;
  /** Histograms (seconds). */
  observe(key: MetricKey, labels: Labels, value: number): void;
}

type Handlers = { [K in keyof ClientEvents]?: ClientEvents[K] };

function handlers(market: string, L: LabelMaker, sink: EventSink): Handlers {
  const futures = market !== 'spot';
  const one = (key: MetricKey, values: Record<string, string> = {}): void => sink.inc(key, L.make(key, { market, ...values }), 1);
  return {
    gap: (e) => {
      const kind = kindOf(e.stream, futures);
      sink.inc('gaps', L.make('gaps', { market, kind, cause: e.cause, filled: String(e.filled) }, e.stream), 1);
      if ('count' in e && e.count > 0) sink.inc('missed', L.make('missed', { market, kind }, e.stream), e.count);
    },
    stale: (e) => one('stale', { scope: e.scope, action: e.action }),
    streamDown: (e) => one('streamDown', { cause: e.cause }),
    reconnecting: (e) => one('reconnectAttempts', { code: e.error.code }),
    reconnected: (e) => {
      one('reconnects');
      sink.observe('downtime', L.make('downtime', { market }), Math.max(0, e.downtimeMs) / 1000);
    },
    gaveUp: () => one('gaveUp'),
    rotated: (e) => one('rotations', { reason: e.reason }),
    loopBlocked: () => one('loopBlocked'),
    lagging: (e) => one('lagging', { consumer: e.consumer }),
    degraded: () => one('degraded'),
  };
}

type AnyOn = (event: string, fn: (...args: never[]) => void) => unknown;

/** Count events of every client into `sink`; returns the detach function. */
export function listen(o: ResolvedMetricsOptions, L: LabelMaker, sink: EventSink): () => void {
  const attached: [MetricsClient, string, (...args: never[]) => void][] = [];
  for (const client of o.clients) {
    for (const [event, fn] of Object.entries(handlers(client.market.id, L, sink)) as [string, (...args: never[]) => void][]) {
      (client.on as unknown as AnyOn).call(client, event, fn);
      attached.push([client, event, fn]);
    }
  }
  return () => {
    for (const [client, event, fn] of attached.splice(0)) (client.off as unknown as AnyOn).call(client, event, fn);
  };
}

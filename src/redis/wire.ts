/**
 * The gateway's wire format in Redis Streams, shared by the gateway (writer) and
 * RedisStreamSource (reader). One Redis stream per Binance stream, `<prefix>:gw:<name>:s:<stream>`,
 * and one for events that belong to no stream, `<prefix>:gw:<name>:control`. Each entry:
 *
 *   e  event name: a typed market-data event (`aggTrade`, `depth`…), `message` (untyped data),
 *      or a client event (`gap`, `stale`, `streamDown`, `book`…)
 *   d  JSON: the StreamMessage `{stream, data, receivedAt}` for data, the event payload otherwise
 *      (Binance's own fields, sequence ids included, untouched)
 *   g  the gateway instance (a random id per gateway start)
 *   n  the entry's number in its Redis stream for this gateway instance: 1, 2, 3… A consumer
 *      that sees n jump knows exactly how many entries it never got (trimmed by MAXLEN before it
 *      read them, or dropped by the gateway while Redis was down), and skips any n it has seen.
 */
export const FIELD = { event: 'e', data: 'd', gateway: 'g', seq: 'n' } as const;

export function streamKey(prefix: string, name: string, stream: string): string {
  return `${prefix}:gw:${name}:s:${stream}`;
}

export function controlKey(prefix: string, name: string): string {
  return `${prefix}:gw:${name}:control`;
}

export function cursorKey(prefix: string, name: string, consumer: string): string {
  return `${prefix}:gw:${name}:cursor:${consumer}`;
}

/** JSON with errors kept readable (`{name, message, code}`), never `{}`. */
export function encode(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Error) {
      const e = v as Error & { code?: unknown };
      return { name: e.name, message: e.message, ...(e.code !== undefined ? { code: e.code } : {}) };
    }
    return v;
  });
}

/**
 * The arguments of `subscribe()` / `unsubscribe()`: stream names (validated, normalised,
 * checked against the market's catalog) and the per-call options.
 */
import { BinanceStreamError, invalidOption } from '../core/errors';
import { bool, numOrFalse } from '../core/validate';
import { checkSbeStream, checkStreamKind } from '../streams/catalog';
import { normalizeStreamName, toStreamList } from '../streams/names';
import { GROUP_NAME_RULE, isGroupName } from './group-name';
import type { ResolvedPoolOptions } from './options';

/** subscribe() options, checked: the group (`''` = default) and the call's fixed stale threshold. */
export interface SubscribeArgs {
  readonly group: string;
  readonly staleAfterMs: number | false | undefined;
  readonly backfill: boolean | undefined;
}

/** subscribe() options: ERR_INVALID_OPTION naming the bad one. */
export function subscribeArgs(options: { group?: string | undefined; staleAfterMs?: number | false | undefined; backfill?: boolean | undefined }): SubscribeArgs {
  if (options === null || typeof options !== 'object') throw invalidOption('subscribe options', 'an object { group?, staleAfterMs? }', options);
  const g: unknown = options.group;
  if (g !== undefined && g !== '' && !isGroupName(g)) throw invalidOption('group', `a group name (${GROUP_NAME_RULE})`, g);
  const staleAfterMs = numOrFalse('subscribe staleAfterMs', options.staleAfterMs, undefined, { min: 1, unit: 'ms' });
  const backfill = options.backfill === undefined ? undefined : bool('subscribe backfill', options.backfill, false);
  return { group: (g as string | undefined) || '', staleAfterMs, backfill };
}

/**
 * Normalised names, all validated before any is used: ERR_INVALID_STREAM naming the bad
 * one. With `check`, each name must also be a stream the market serves (streams/catalog.ts)
 * unless `allowUnknownStreams`; removal checks only the charset (a removal is never harmful).
 */
export function streamNames(method: string, streams: unknown, check?: Pick<ResolvedPoolOptions, 'market' | 'allowUnknownStreams' | 'tuning'>): string[] {
  return toStreamList(streams, `${method}()`).map((raw: unknown) => {
    try {
      const name = normalizeStreamName(raw);
      // A pool whose sockets decode binary frames reads Binance's SBE streams (encoding: 'sbe'), which serve fewer kinds.
      if (check) check.tuning.binaryFrames ? checkSbeStream(name, check.allowUnknownStreams) : checkStreamKind(name, check.market.id, check.allowUnknownStreams);
      return name;
    } catch (err) {
      throw new BinanceStreamError('ERR_INVALID_STREAM', `${method}: ${(err as Error).message}`, { streams: [String(raw)], permanent: true, cause: err });
    }
  });
}

/**
 * The client's user-data wiring, loaded on demand: `subscribeUserData()` imports the
 * user-data code (src/user-data/**: listenKeys, the WebSocket API, signing) with a dynamic
 * `import()`, so a market-data-only consumer's bundle carries none of it (the build keeps it
 * in its own chunk). A failed load (a chunk missing or blocked) rejects with a coded
 * BinanceStreamError and is tried again on the next call.
 */
import { BinanceStreamError, describeError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { UserDataEmit } from '../user-data/events';
import type { UserDataController, UserDataProduct } from '../user-data/user-data-stream';
import type { ResolvedClientConfig } from './resolve';
import { restUnknown } from './resolve';
import type { SubscribeUserDataOptions } from './types';

type UserDataModule = typeof import('../user-data/user-data-stream');

let loading: Promise<UserDataModule> | undefined;

/** The user-data module, imported once (a failed import is not cached). */
export function loadUserDataModule(): Promise<UserDataModule> {
  loading ??= import('../user-data/user-data-stream').catch((cause: unknown) => {
    loading = undefined;
    throw new BinanceStreamError('ERR_UNEXPECTED', `could not load the user-data code (its chunk of binance-stream-client): ${describeError(cause)}`, { cause });
  });
  return loading;
}

/** What the client lends a user-data stream. */
export interface UserDataWiring {
  readonly config: ResolvedClientConfig;
  readonly apiKey: string;
  readonly logger: Logger;
  readonly emit: UserDataEmit;
}

/** Load the user-data code and build a controller for `product` (no I/O until `start()`). Bad options reject with ERR_INVALID_OPTION. */
export async function createClientUserData(product: UserDataProduct, options: SubscribeUserDataOptions, w: UserDataWiring): Promise<UserDataController> {
  const { config: cfg } = w;
  // Futures listenKeys and margin tokens come from REST: never send the API key to a guessed (live) host.
  if (product !== 'spot' && !cfg.restKnown) throw restUnknown(`subscribeUserData({ product: '${product}' }) (its listenKey or token comes from REST)`, cfg.urls.stream);
  const { createUserDataStream } = await loadUserDataModule();
  const c = cfg.credentials;
  return createUserDataStream({
    ...options,
    product,
    apiKey: w.apiKey,
    ...(c.apiSecret !== undefined ? { apiSecret: c.apiSecret } : {}),
    ...(c.privateKey !== undefined ? { privateKey: c.privateKey } : {}),
    restBaseUrl: cfg.urls.rest,
    streamBaseUrl: cfg.urls.stream,
    wsApiUrl: cfg.urls.wsApi,
    logger: w.logger,
    retryPolicy: cfg.retryPolicy,
    restRetryPolicy: cfg.restRetryPolicy,
    dialGate: cfg.budget,
    restWeightBudget: cfg.restWeightBudget,
    listenKeyLease: cfg.listenKeyLease,
    tuning: cfg.socket,
    webSocketFactory: cfg.webSocketFactory,
    fetch: cfg.fetch,
    emit: w.emit,
  });
}

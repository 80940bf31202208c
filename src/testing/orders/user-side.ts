/**
 * The emulator's user side, composed for the facade: the WS API (ws-api/: spot `/ws-api/v3`, and
 * USD-M `/ws-fapi/v1` on a usdm emulator), the order simulator with its ledger, and the REST order
 * endpoints, sharing one account registry (`ex.wsApi.addAccount`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock';
import type { MarketData } from '../data/market-data';
import type { Logger } from '../log';
import type { ResolvedOptions } from '../options';
import { WS_API } from '../profile';
import { accountBalances } from '../rest/balances';
import { assetsOf } from '../rest/exchange-info';
import type { ListenKeys } from '../rest/listen-keys';
import type { RestWeights } from '../rest/weights';
import { WsApiEmulator } from '../ws-api/ws-api-emulator';
import { WsApiServer } from '../ws-api/ws-api-server';
import { fmt8, parseAmount } from './decimal';
import { Ledger } from './ledger';
import { OrderSimulator } from './order-simulator';
import { handleOrderRest } from './order-rest';
import type { EventSink } from './order-types';

export interface UserSideOptions {
  readonly opts: ResolvedOptions;
  readonly clock: Clock;
  readonly log: Logger;
  readonly weights: RestWeights;
  readonly data: MarketData;
  /** USD-M listenKeys (the futures WebSocket API's `userDataStream.*`). */
  readonly listenKeys: ListenKeys;
  acceptsApiKey(key: string): boolean;
  violation(kind: 'messageRate' | 'pongTimeout'): void;
  /** Deliver a user-data event to an API key's subscriptions / listenKey sockets. */
  readonly sink: EventSink;
}

export interface UserSide {
  readonly server: WsApiServer;
  readonly wsApi: WsApiEmulator;
  readonly orders: OrderSimulator;
  /** REST order endpoints; false for other paths. */
  rest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** An API key's spot balances as REST formats them (`/api/v3/account`, `capital/config/getall`): the ledger the orders move. */
  spotBalances(apiKey: string): { asset: string; free: string; locked: string }[];
}

export function createUserSide(u: UserSideOptions): UserSide {
  const { opts, clock, data } = u;
  const assets = [...new Set(data.symbols.flatMap((s) => Object.values(assetsOf(opts.market, s))))].sort();
  const ledger = new Ledger((apiKey) => accountBalances(apiKey, assets));
  const best = (symbol: string, side: 'bid' | 'ask'): bigint | undefined => {
    const v = data.bookView(symbol, 1);
    const row = side === 'bid' ? v?.bids[0] : v?.asks[0];
    return row ? parseAmount(row[0]) : undefined;
  };
  const flavour = opts.market === 'spot' ? 'spot' : 'futures';
  const orders = new OrderSimulator({ clock, flavour, symbols: new Set(data.symbols), ledger, assets: (s) => assetsOf(opts.market, s), best, sink: u.sink });
  const server = new WsApiServer({
    clock,
    log: u.log,
    heartbeat: { pingIntervalMs: opts.pingIntervalMs, pongTimeoutMs: opts.pongTimeoutMs, unsolicitedPongKeepsAlive: WS_API.unsolicitedPongKeepsAlive },
    lifetimeMs: opts.maxConnectionLifetimeMs,
    weights: u.weights,
    orders: { sim: orders, ledger, product: flavour },
    listenKeys: opts.market === 'usdm' ? u.listenKeys : undefined,
    acceptsApiKey: (k) => u.acceptsApiKey(k),
    violation: u.violation,
  });
  const restCtx = { market: opts.market, clock, ledger, sim: orders, acceptsApiKey: (k: string) => u.acceptsApiKey(k), account: (k: string) => server.accounts.get(k) };
  const spotBalances = (k: string) => ledger.spotBalances(k).map((b) => ({ asset: b.asset, free: fmt8(b.free), locked: fmt8(b.locked) }));
  return { server, wsApi: new WsApiEmulator(server), orders, rest: (req, res, url) => handleOrderRest(restCtx, req, res, url), spotBalances };
}

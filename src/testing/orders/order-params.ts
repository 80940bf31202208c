/** Validation of order parameters (REST query/body or WS-API params) into an OrderRequest, with Binance's errors. */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../ws-api/accounts';
import { parseAmount } from './decimal';
import type { OrderRequest, OrderType, Side, TimeInForce } from './order-types';

export type Flavour = 'spot' | 'futures';

export const mandatory = (name: string): ApiError => new ApiError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);

function str(p: Record<string, unknown>, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function oneOf<T extends string>(p: Record<string, unknown>, name: string, legal: readonly T[]): T {
  const v = str(p, name);
  if (v === undefined) throw mandatory(name);
  if (!(legal as readonly string[]).includes(v)) throw new ApiError(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '${legal.join(', ')}'.`);
  return v as T;
}

export function clientId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

/** An OrderRequest from params, or a Binance ApiError. `symbols` are the emulator's (lowercase). */
export function parseOrder(p: Record<string, unknown>, flavour: Flavour, symbols: ReadonlySet<string>): OrderRequest {
  const symbol = str(p, 'symbol');
  if (!symbol) throw mandatory('symbol');
  if (!symbols.has(symbol.toLowerCase())) throw new ApiError(400, -1121, 'Invalid symbol.');
  const side = oneOf<Side>(p, 'side', ['BUY', 'SELL']);
  const typeRaw = str(p, 'type');
  if (!typeRaw) throw mandatory('type');
  if (typeRaw !== 'LIMIT' && typeRaw !== 'MARKET') throw new ApiError(400, -1116, 'Invalid orderType.');
  const type = typeRaw as OrderType;
  const qRaw = str(p, 'quantity');
  if (qRaw === undefined) throw mandatory('quantity');
  const quantity = parseAmount(qRaw);
  if (quantity === undefined) throw new ApiError(400, -1100, "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.");
  if (quantity <= 0n) throw flavour === 'spot' ? new ApiError(400, -1013, 'Invalid quantity.') : new ApiError(400, -4003, 'Quantity less than or equal to zero.');
  let price = 0n;
  let timeInForce: TimeInForce = 'GTC';
  if (type === 'LIMIT') {
    const pr = str(p, 'price');
    if (pr === undefined) throw mandatory('price');
    const v = parseAmount(pr);
    if (v === undefined) throw new ApiError(400, -1100, "Illegal characters found in parameter 'price'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.");
    if (v <= 0n) throw flavour === 'spot' ? new ApiError(400, -1013, 'Invalid price.') : new ApiError(400, -4001, 'Price less than 0.');
    price = v;
    timeInForce = oneOf<TimeInForce>(p, 'timeInForce', flavour === 'spot' ? ['GTC', 'IOC', 'FOK'] : ['GTC', 'IOC', 'FOK', 'GTX']);
  } else if (str(p, 'price') !== undefined) {
    throw new ApiError(400, -1106, "Parameter 'price' sent when not required.");
  }
  const reduceOnly = str(p, 'reduceOnly') === 'true';
  if (reduceOnly && flavour === 'spot') throw new ApiError(400, -1104, 'Not all sent parameters were read; read 9 parameter(s) but was sent 10.');
  const respType = str(p, 'newOrderRespType') ?? (flavour === 'spot' ? 'FULL' : 'ACK');
  if (!['ACK', 'RESULT', 'FULL'].includes(respType) || (flavour === 'futures' && respType === 'FULL')) {
    throw new ApiError(400, -1100, `Illegal characters found in parameter 'newOrderRespType'; legal range is '${flavour === 'spot' ? 'ACK, RESULT, FULL' : 'ACK, RESULT'}'.`);
  }
  const cid = str(p, 'newClientOrderId') ?? clientId();
  if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(cid)) throw new ApiError(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
  return { symbol: symbol.toUpperCase(), side, type, timeInForce, quantity, price, clientOrderId: cid, reduceOnly, respType };
}

/** `orderId` or `origClientOrderId` of a cancel / status request. */
export function orderRef(p: Record<string, unknown>): { symbol: string; orderId: number | undefined; clientOrderId: string | undefined } {
  const symbol = str(p, 'symbol');
  if (!symbol) throw mandatory('symbol');
  const idRaw = str(p, 'orderId');
  const orderId = idRaw === undefined ? undefined : Number(idRaw);
  const clientOrderId = str(p, 'origClientOrderId');
  if (orderId === undefined && clientOrderId === undefined) throw new ApiError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
  if (orderId !== undefined && !Number.isSafeInteger(orderId)) throw new ApiError(400, -1100, "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'.");
  return { symbol: symbol.toUpperCase(), orderId, clientOrderId };
}

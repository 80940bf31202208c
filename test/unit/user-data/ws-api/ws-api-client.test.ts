/** WS-API request/response on the socket's request(): errors by status/code, timeouts, id:null session errors. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BinanceStreamError } from '../../../../src/core/errors';
import { ConstantBackoff } from '../../../../src/retry/constant-backoff';
import { isWsApiResponse, WsApiClient, wsApiError } from '../../../../src/user-data/ws-api/ws-api-client';
import { FakeSocket } from '../fake-socket';

describe('wsApiError', () => {
  it('maps statuses and codes', () => {
    expect(wsApiError('x', { status: 400, error: { code: -1022, msg: 'Signature for this request is not valid.' } })).toMatchObject({
      code: 'ERR_WS_API',
      httpStatus: 400,
      binanceCode: -1022,
      permanent: true,
    });
    expect(wsApiError('x', { status: 401, error: { code: -2015, msg: 'Invalid API-key' } }).permanent).toBe(true);
    expect(wsApiError('x', { status: 429, error: { code: -1003, msg: 'slow', data: { retryAfter: 1_000_000 + 5000 } } }, 1_000_000)).toMatchObject({
      retryAfterMs: 5000,
      permanent: false,
    });
    expect(wsApiError('x', { status: 400, error: { code: -1021, msg: 'ts' } }).permanent).toBe(false);
    expect(wsApiError('x', { status: 503 }).message).toMatch(/status 503/);
    expect(isWsApiResponse({ id: null, status: 401 })).toBe(true);
    expect(isWsApiResponse({ subscriptionId: 0, event: {} })).toBe(false);
  });
});

describe('WsApiClient', () => {
  afterEach(() => vi.useRealTimers());

  async function openSocket(): Promise<FakeSocket> {
    const s = new FakeSocket({
      id: 'user-spot',
      market: (await import('../../../../src/core/markets')).MARKETS.spot,
      framing: { kind: 'raw', streamName: 'user-spot' },
      url: () => 'wss://x',
      onMessage: (m) => client?.handleFrame(m.data),
      retryPolicy: new ConstantBackoff({ delayMs: 10 }),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    s.start();
    await vi.waitFor(() => expect(s.state).toBe('open'));
    return s;
  }
  let client: WsApiClient | undefined;

  it('matches answers by id (through the socket); id:null errors are session errors; the connection end fails pending', async () => {
    const session: BinanceStreamError[] = [];
    const s = await openSocket();
    client = new WsApiClient(
      s,
      1000,
      () => 1_000_000,
      (e) => session.push(e),
    );
    const a = client.call('session.status');
    const b = client.call('userDataStream.subscribe.signature', { apiKey: 'k' });
    expect(s.sent).toEqual([
      { id: 1, method: 'session.status' },
      { id: 2, method: 'userDataStream.subscribe.signature', params: { apiKey: 'k' } },
    ]);
    s.push({ id: 2, status: 200, result: { subscriptionId: 0 } });
    await expect(b).resolves.toEqual({ subscriptionId: 0 });
    expect(client.handleFrame({ subscriptionId: 0, event: { e: 'x' } })).toBe(false);
    s.push({ id: null, status: 401, error: { code: -2015, msg: 'revoked' } });
    expect(session).toHaveLength(1);
    expect(session[0]).toMatchObject({ code: 'ERR_WS_API', httpStatus: 401, binanceCode: -2015, permanent: true });
    s.drop();
    await expect(a).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(client.call('x')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await s.stop();
  });

  it('an error answer rejects with wsApiError; a late answer is consumed', async () => {
    const s = await openSocket();
    client = new WsApiClient(
      s,
      1000,
      () => 0,
      () => undefined,
    );
    const p = client.call('userDataStream.subscribe.signature', { apiKey: 'k' });
    s.push({ id: 1, status: 400, error: { code: -1022, msg: 'Signature for this request is not valid.' } });
    await expect(p).rejects.toMatchObject({ code: 'ERR_WS_API', binanceCode: -1022, message: expect.stringContaining('Signature for this request is not valid.') });
    expect(client.handleFrame({ id: 99, status: 200, result: {} })).toBe(true);
    await s.stop();
  });

  it('no answer within the timeout → ERR_WS_API without httpStatus, and no timer left', async () => {
    const s = await openSocket();
    vi.useFakeTimers();
    client = new WsApiClient(
      s,
      500,
      () => 0,
      () => undefined,
    );
    const p = client.call('session.subscriptions');
    const done = expect(p).rejects.toMatchObject({ code: 'ERR_WS_API', httpStatus: undefined, message: 'session.subscriptions got no answer within 500 ms' });
    await vi.advanceTimersByTimeAsync(500);
    await done;
    expect(vi.getTimerCount()).toBe(0);
    await s.stop();
  });

  it('an abort signal rejects with ERR_ABORTED', async () => {
    const s = await openSocket();
    client = new WsApiClient(
      s,
      1000,
      () => 0,
      () => undefined,
    );
    const ctrl = new AbortController();
    const p = client.call('session.logon', {}, { signal: ctrl.signal });
    ctrl.abort();
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await s.stop();
  });
});

/**
 * Two processes of one account using USD-M user data at the same time (issue 10, item 8).
 * Binance answers every POST /listenKey of an account with the same active key, and a DELETE
 * ends the stream of everyone using it. Two processes starting together both saw "no key yet"
 * in the 'owned' probe, both believed they created the key, and the first to stop deleted it
 * under the other. The default (`closeListenKeyOnStop: 'never'`) never deletes.
 *
 * Each "process" is its own copy of the user-data modules (`vi.resetModules()` between the
 * imports), so the in-process key sharing (one key per account, reference-counted) cannot
 * hide the problem: the two know nothing of each other, as two processes would.
 */
import { describe, expect, it, vi } from 'vitest';
import type * as UserDataStreamModule from '../../src/user-data/user-data-stream';
import { fastPolicy, recorder } from '../unit/user-data/harness';
import { onCleanup, startEmulator } from '../helpers/emulator';

const API_KEY = 'two-processes-api-key-0123456789';

async function processModule(): Promise<typeof UserDataStreamModule> {
  vi.resetModules();
  return import('../../src/user-data/user-data-stream');
}

describe('two processes of one account (futures listenKey)', () => {
  it('both start together, one stops, the other keeps its stream and receives user events', async () => {
    const ex = await startEmulator({ market: 'usdm' });
    const procA = await processModule();
    const procB = await processModule();
    expect(procB.createUserDataStream).not.toBe(procA.createUserDataStream); // no shared key registry
    const make = (m: typeof UserDataStreamModule) => {
      const rec = recorder();
      const options: UserDataStreamModule.CreateUserDataStreamOptions = {
        product: 'usdm',
        apiKey: API_KEY,
        restBaseUrl: ex.urls.http,
        streamBaseUrl: ex.urls.ws,
        wsApiUrl: ex.urls.wsApi,
        logger: undefined,
        retryPolicy: fastPolicy(),
        emit: rec.emit,
      };
      const ctl = m.createUserDataStream(options);
      onCleanup(() => ctl.stop());
      return { ctl, rec };
    };
    const a = make(procA);
    const b = make(procB);

    await Promise.all([a.ctl.start(), b.ctl.start()]);
    const keys = ex.listenKeys();
    expect(keys, 'Binance hands both the same key').toHaveLength(1);
    const key = keys[0]!.listenKey;
    expect(ex.connections().map((c) => c.path)).toEqual([`/private/ws?listenKey=${key}`, `/private/ws?listenKey=${key}`]);

    await b.ctl.stop();
    expect(ex.listenKeys().find((k) => k.listenKey === key)?.state, 'the key outlives the process that stopped').toBe('active');
    expect(b.rec.of('listenKey').map((e) => e.action)).toEqual(['created']); // no 'closed'

    expect(ex.pushUserEvent(API_KEY, { e: 'ORDER_TRADE_UPDATE', E: Date.now(), T: Date.now(), o: { s: 'BTCUSDT', i: 7, X: 'NEW', x: 'NEW' } })).toBe(1);
    const order = await a.rec.waitFor('orderUpdate');
    expect(order).toMatchObject({ o: { i: 7 } });
    // The survivor's stream was never cut: same key, same connection, no gap, no replacement.
    expect(a.rec.of('listenKey').map((e) => e.action)).toEqual(['created']);
    expect(a.rec.of('userDataGap')).toEqual([]);
    expect(a.ctl.stats().state).toBe('live');
    expect(ex.stats().connectionsOpened).toBe(2);

    await a.ctl.stop();
    expect(ex.listenKeys()[0]!.state, "'never': an unused key is left to expire by itself").toBe('active');
  });
});

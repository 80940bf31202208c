/**
 * The client knows every stream Binance documents: each name of the emulator's documented list
 * (src/testing/data/stream-catalog.ts, written from Binance's stream pages, not from the client)
 * passes the client's stream check without `allowUnknownStreams`, and on USD-M goes to the route
 * Binance documents for it.
 */
import { describe, expect, it } from 'vitest';
import { MARKETS } from '../../../src/core/markets';
import { checkStreamKind } from '../../../src/streams/catalog';
import { normalizeStreamName } from '../../../src/streams/names';
import { routeFor } from '../../../src/streams/routes';
import { catalogSymbols, documentedStreams } from '../../../src/testing/data/stream-catalog';

const SYMBOL = { spot: 'btcusdt', usdm: 'btcusdt', coinm: 'btcusd_perp' } as const;

describe.each(['spot', 'usdm', 'coinm'] as const)('documented %s streams', (market) => {
  const list = documentedStreams(market, catalogSymbols(SYMBOL[market]));
  const names = list.flatMap((d) => [d.example].flat());

  it('are all accepted by the client (no allowUnknownStreams needed)', () => {
    expect(names.length).toBeGreaterThan(10);
    const refused = names.filter((n) => {
      try {
        checkStreamKind(normalizeStreamName(n), market);
        return false;
      } catch {
        return true;
      }
    });
    expect(refused).toEqual([]);
  });

  it('go to their documented route', () => {
    const wrong = list
      .filter((d) => routeFor(MARKETS[market], normalizeStreamName(d.example)) !== d.route)
      .map((d) => `${d.example}: client ${routeFor(MARKETS[market], d.example) || "''"}, documented ${d.route || "''"}`);
    expect(wrong).toEqual([]);
  });
});

/**
 * The demo's command line: parsed and checked once; a bad value names its flag and exits 2.
 *
 * Hidden (not in --help, for tests and proxies): `--live-rest-url` and `--live-ws-url` replace the
 * market's live REST and stream base URLs in `--live` mode, so the "Binance is unreachable" path can be
 * tested against a closed loopback port without touching the internet.
 */
import { parseArgs } from 'node:util';
import { MARKETS, type MarketId } from 'binance-stream-client';

export interface DemoArgs {
  durationMs: number;
  symbolCount: number;
  perSymbol: 1 | 2;
  market: MarketId;
  activity: 'flat' | 'realistic';
  live: boolean;
  faults: boolean;
  plain: boolean;
  /** Live mode only: REST and stream base URLs (the market's live URLs unless overridden). */
  liveRestUrl: string;
  liveWsUrl: string;
  /** The client options for the hidden URL flags that were given (none: the client's own live defaults). */
  liveOverrides: { baseUrl?: string; restBaseUrl?: string };
}

export const USAGE = 'usage: npm run demo -- [--duration s] [--symbols N] [--streams-per-symbol 1|2] [--market spot|usdm|coinm] [--activity flat|realistic] [--live] [--no-faults] [--plain]';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function intArg(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

function urlArg(name: string, v: string, protocols: string[]): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    fail(`--${name}: expected a URL, got ${JSON.stringify(v)}`);
  }
  if (!protocols.includes(u.protocol)) fail(`--${name}: expected a ${protocols.join(' or ')} URL, got ${JSON.stringify(v)}`);
  return v.replace(/\/+$/, '');
}

export function demoArgs(argv: string[] = process.argv.slice(2)): DemoArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string', default: '30' },
        symbols: { type: 'string', default: '280' },
        'streams-per-symbol': { type: 'string', default: '1' },
        market: { type: 'string', default: 'spot' },
        activity: { type: 'string', default: 'flat' },
        live: { type: 'boolean', default: false },
        'no-faults': { type: 'boolean', default: false },
        plain: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
        'live-rest-url': { type: 'string' },
        'live-ws-url': { type: 'string' },
      },
    }));
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const market = values.market as MarketId;
  if (!['spot', 'usdm', 'coinm'].includes(market)) fail(`--market: expected spot, usdm or coinm, got ${JSON.stringify(values.market)}`);
  if (values.activity !== 'flat' && values.activity !== 'realistic') fail(`--activity: expected flat or realistic, got ${JSON.stringify(values.activity)}`);
  const urls = MARKETS[market].urls.live;
  const liveRestUrl = urlArg('live-rest-url', values['live-rest-url'] ?? urls.restBase, ['http:', 'https:']);
  const liveWsUrl = urlArg('live-ws-url', values['live-ws-url'] ?? urls.streamBase, ['ws:', 'wss:']);
  return {
    durationMs: intArg('duration', values.duration, 5, 3600) * 1000,
    symbolCount: intArg('symbols', values.symbols, 1, 5000),
    perSymbol: intArg('streams-per-symbol', values['streams-per-symbol'], 1, 2) as 1 | 2,
    market,
    activity: values.activity,
    live: values.live,
    faults: !values['no-faults'],
    plain: values.plain,
    liveRestUrl,
    liveWsUrl,
    liveOverrides: { ...(values['live-ws-url'] ? { baseUrl: liveWsUrl } : {}), ...(values['live-rest-url'] ? { restBaseUrl: liveRestUrl } : {}) },
  };
}

/**
 * `--live`: the symbol list from Binance's exchangeInfo, and the one sentence the demo prints (exit 1,
 * no stack) when Binance cannot be reached — by REST before anything starts, or by WebSocket when the
 * first dial fails before any connection ever opened.
 */
import type { MarketId } from 'binance-stream-client';

/** Binance (or the network) said no: `message` is one sentence for the user, printed as it is. */
export class DemoLiveError extends Error {
  readonly code = 'DEMO_LIVE_UNREACHABLE';
  override name = 'DemoLiveError';
}

/** `host:port` of a URL, the port written out even when it is the scheme's default. */
export function hostPort(url: string): string {
  const u = new URL(url);
  const port = u.port || ({ 'https:': '443', 'wss:': '443', 'http:': '80', 'ws:': '80' } as Record<string, string>)[u.protocol] || '';
  return port ? `${u.hostname}:${port}` : u.hostname;
}

/** The most telling network code in an error and its causes: ENOTFOUND, ECONNREFUSED, ETIMEDOUT… (or the first code found). */
export function networkCode(err: unknown): string | undefined {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown): void => {
    if (typeof e !== 'object' || e === null || seen.has(e)) return;
    seen.add(e);
    const o = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    if (typeof o.code === 'string') codes.push(o.code);
    if (o.name === 'TimeoutError') codes.push('ETIMEDOUT');
    walk(o.cause);
    if (Array.isArray(o.errors)) o.errors.forEach(walk);
  };
  walk(err);
  return codes.find((c) => /^E[A-Z0-9_]+$/.test(c) && !c.startsWith('ERR_')) ?? codes.find((c) => c.startsWith('UND_ERR_')) ?? codes[0];
}

export function unreachableSentence(url: string, code: string | undefined): string {
  if (code?.startsWith('HTTP ')) return `${hostPort(url)} refused the connection (${code}): check the network or run without --live to use the local emulator.`;
  return `Cannot reach ${hostPort(url)}${code ? ` (${code})` : ''}: check the network or run without --live to use the local emulator.`;
}

const PATHS: Record<MarketId, string> = { spot: '/api/v3/exchangeInfo', usdm: '/fapi/v1/exchangeInfo', coinm: '/dapi/v1/exchangeInfo' };

/** The first `n` trading symbols (lower case) of the market; throws {@link DemoLiveError} with one sentence. */
export async function liveSymbols(restBase: string, market: MarketId, n: number, timeoutMs = 15_000): Promise<string[]> {
  const url = `${restBase}${PATHS[market]}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new DemoLiveError(unreachableSentence(url, networkCode(err)));
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new DemoLiveError(
      `Binance answered HTTP ${res.status} for ${hostPort(url)}${PATHS[market]}${res.status === 451 ? ' (unavailable from your location)' : ''}: run without --live to use the local emulator.`,
    );
  }
  let body: { symbols?: { symbol: string; status?: string; contractStatus?: string }[] };
  try {
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw new DemoLiveError(
      `${hostPort(url)}${PATHS[market]} did not answer JSON (${networkCode(err) ?? (err instanceof Error ? err.name : 'unknown error')}): run without --live to use the local emulator.`,
    );
  }
  const trading = (body.symbols ?? []).filter((s) => (s.status ?? s.contractStatus) === 'TRADING');
  if (trading.length === 0) throw new DemoLiveError(`${hostPort(url)}${PATHS[market]} listed no trading symbol: run without --live to use the local emulator.`);
  return trading.slice(0, n).map((s) => s.symbol.toLowerCase());
}

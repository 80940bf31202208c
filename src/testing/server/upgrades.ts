/**
 * What happens to a WebSocket upgrade: the per-IP attempt limit (429, then a 418 ban),
 * injected rejections (`faults.rejectUpgrades`), then routing by path: the WS API,
 * a stream connection, or 404.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Clock } from '../clock';
import type { FaultRules } from '../fault-rules';
import type { Counters } from '../inspection';
import type { ResolvedOptions } from '../options';
import type { BinanceProfile } from '../profile';
import { WS_API } from '../profile';
import { FUTURES_WS_API_PATH } from '../ws-api/futures-methods';
import type { StreamPath } from '../streams/routes';
import { parseStreamPath } from '../streams/routes';
import type { AttemptLimiter } from './attempt-limiter';
import { EmulatorServer } from './server';

export interface UpgradeContext {
  readonly opts: ResolvedOptions;
  readonly profile: BinanceProfile;
  readonly clock: Clock;
  readonly limiter: AttemptLimiter;
  readonly rules: FaultRules;
  readonly counters: Counters;
  readonly wss: WebSocketServer;
  /** True once `close()` started: upgrades are dropped. */
  closing(): boolean;
  openWsApi(ws: WebSocket, socket: Socket, req: IncomingMessage): void;
  openStream(ws: WebSocket, socket: Socket, req: IncomingMessage, path: StreamPath): void;
}

export function handleUpgrade(ctx: UpgradeContext, req: IncomingMessage, socket: Socket, head: Buffer): void {
  if (ctx.closing()) return void socket.destroy();
  const { counters, opts } = ctx;
  const url = new URL(req.url ?? '/', 'http://localhost');
  const verdict = ctx.limiter.check(socket.remoteAddress ?? '', ctx.clock.now());
  if (!verdict.ok) {
    if (verdict.status === 429) {
      counters.upgradesRejected.rateLimited429++;
      counters.limitViolations.connectionAttempts++;
    } else counters.upgradesRejected.banned418++;
    const body =
      verdict.status === 429
        ? { code: -1003, msg: `Too many requests; current limit is ${opts.maxConnectionAttempts} connection attempts per ${opts.connectionAttemptWindowMs / 1000} s.` }
        : { code: -1003, msg: `Way too many requests; IP banned for ${verdict.retryAfterSec} s.` };
    return EmulatorServer.rejectUpgrade(socket, verdict.status, verdict.retryAfterSec, JSON.stringify(body));
  }
  const injected = ctx.rules.takeUpgradeRejection();
  if (injected) {
    counters.upgradesRejected.injected++;
    const body = { code: -1000, msg: `Injected upgrade rejection (HTTP ${injected.status})` };
    return EmulatorServer.rejectUpgrade(socket, injected.status, injected.retryAfterSec, JSON.stringify(body));
  }
  if (url.pathname === WS_API.path || (ctx.opts.market === 'usdm' && url.pathname === FUTURES_WS_API_PATH)) {
    ctx.wss.handleUpgrade(req, socket, head, (ws) => ctx.openWsApi(ws, socket, req));
    return;
  }
  const parsed = parseStreamPath(ctx.profile, url);
  if (!parsed) {
    counters.upgradesRejected.notFound++;
    return EmulatorServer.rejectUpgrade(socket, 404, undefined, JSON.stringify({ code: -1000, msg: `Unknown stream path ${url.pathname}` }));
  }
  // Spot: an invalid `timeUnit` is refused (-1194).
  if (parsed.reject) return EmulatorServer.rejectUpgrade(socket, parsed.reject.status, undefined, JSON.stringify({ code: parsed.reject.code, msg: parsed.reject.msg }));
  ctx.wss.handleUpgrade(req, socket, head, (ws) => {
    if (ctx.closing()) return void ws.terminate();
    ctx.openStream(ws, socket, req, parsed);
  });
}

/**
 * Margin listenTokens: `POST /sapi/v1/userListenToken` (signed, HMAC/Ed25519/RSA) issues a
 * token valid up to 24 h (scaled by `timeScale`), used by the WS API's
 * `userDataStream.subscribe.listenToken`; a subscription ends when its token expires.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { mask } from '../log';
import { LISTEN_TOKEN_PATH, WS_API } from '../profile';
import { readBody } from '../rest/respond';
import type { Account } from './accounts';
import { ApiError, checkTimestamp, verifySignature } from './accounts';

export interface Token {
  token: string;
  apiKey: string;
  isolatedSymbol: string | undefined;
  expirationTime: number;
}

export class ListenTokens {
  private readonly tokens = new Map<string, Token>();
  /** Token REST calls answered. */
  issued = 0;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** A token still valid now. */
  valid(token: unknown): Token | undefined {
    const t = typeof token === 'string' ? this.tokens.get(token) : undefined;
    return t && t.expirationTime > this.clock.now() ? t : undefined;
  }

  /** Expire tokens now (all, or an account's); returns every token matched (`wasValid` tells which were still valid). */
  expire(apiKey: string | undefined): { token: Token; wasValid: boolean }[] {
    const now = this.clock.now();
    const out: { token: Token; wasValid: boolean }[] = [];
    for (const t of this.tokens.values()) {
      if (apiKey !== undefined && t.apiKey !== apiKey) continue;
      out.push({ token: t, wasValid: t.expirationTime > now });
      t.expirationTime = Math.min(t.expirationTime, now);
    }
    return out;
  }

  list(): Token[] {
    return [...this.tokens.values()].map((t) => ({ ...t }));
  }

  /** Answer `POST /sapi/v1/userListenToken`; false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, accounts: ReadonlyMap<string, Account>): Promise<boolean> {
    if (url.pathname !== LISTEN_TOKEN_PATH) return false;
    const reply = (status: number, body: object): true => {
      res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify(body));
      return true;
    };
    if ((req.method ?? 'GET').toUpperCase() !== 'POST') return reply(405, { code: -1000, msg: 'Method not allowed.' });
    const body = await readBody(req);
    const header = req.headers['x-mbx-apikey'];
    const apiKey = Array.isArray(header) ? header[0] : header;
    if (!apiKey) return reply(401, { code: -2014, msg: 'API-key format invalid.' });
    const account = accounts.get(apiKey);
    if (!account) return reply(401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
    try {
      const token = this.issue(account, url.search.slice(1), body);
      return reply(200, { token: token.token, expirationTime: token.expirationTime });
    } catch (err) {
      if (err instanceof ApiError) return reply(err.status, { code: err.code, msg: err.message });
      throw err;
    }
  }

  private issue(account: Account, query: string, body: string): Token {
    // REST signatures cover the query string (then the body) as sent, minus `signature`.
    const raw = [query, body].filter(Boolean).join('&');
    const pairs = raw.split('&').filter(Boolean);
    const sigPair = pairs.find((p) => p.startsWith('signature='));
    const signed = pairs.filter((p) => !p.startsWith('signature=')).join('&');
    const q = new URLSearchParams(raw);
    if (!sigPair) throw new ApiError(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    checkTimestamp(q.get('timestamp'), q.get('recvWindow'), this.clock.now());
    if (!verifySignature(account, signed, decodeURIComponent(sigPair.slice('signature='.length)))) {
      throw new ApiError(400, -1022, 'Signature for this request is not valid.');
    }
    const isolated = q.get('isIsolated') === 'true' || q.get('isIsolated') === 'TRUE';
    const symbol = q.get('symbol') ?? undefined;
    if (isolated && !symbol) throw new ApiError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    const validityParam = q.get('validity');
    const max = WS_API.maxListenTokenValidityMs;
    const validity = validityParam === null ? max : Number(validityParam);
    if (!Number.isSafeInteger(validity) || validity <= 0 || validity > max) {
      throw new ApiError(400, -1100, "Illegal characters found in parameter 'validity'; legal range is 1..86400000.");
    }
    const token: Token = {
      token: randomBytes(24).toString('base64url'),
      apiKey: account.apiKey,
      isolatedSymbol: isolated ? symbol : undefined,
      expirationTime: this.clock.now() + this.clock.scale(validity),
    };
    this.tokens.set(token.token, token);
    this.issued++;
    this.log.debug({ account: mask(account.apiKey), token: mask(token.token) }, 'listenToken issued');
    return token;
  }
}

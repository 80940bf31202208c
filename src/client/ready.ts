/**
 * `client.ready()`: a promise for "every subscribed stream is live".
 *
 * Live means what `client.health()` calls `live`: the stream's connection is open and its
 * subscription was acknowledged (URL open or SUBSCRIBE answer) or a message arrived; and
 * every user-data stream is `live`. Checked at once, then again after each event that can
 * change it (open, subscribed, state changes, restored streams, user-data states, connect
 * progress) and on a 250 ms safety poll; never on the message path.
 *
 * Settles once: resolves the first time everything is live (at once when nothing is
 * subscribed; streams subscribed later are not waited for). Rejects with
 * - ERR_ABORTED: `stop()` (before or while waiting), the caller's `signal`, or `timeoutMs`
 *   (the message names the streams not live and why);
 * - ERR_GAVE_UP: a socket's retry policy gave up (its streams are `down` until revived).
 * Leaves no timer and no listener behind when it settles.
 */
import { BinanceStreamError, aborted } from '../core/errors';
import { num, optImplementation, optObject, knownKeys } from '../core/validate';
import type { AbortSignalLike } from '../core/web-types';
import type { ClientEventName, GaveUpEvent } from '../events';
import type { ClientEmitter } from './emitter';
import type { ClientHealth } from './health';

declare global {
  interface SymbolConstructor {
    /**
     * ES2024 explicit resource management (`await using`), declared for consumers whose `lib`
     * predates it (the same declaration as lib.esnext.disposable and @types/node; they merge).
     * The client's `[Symbol.asyncDispose]()` needs it in the declarations.
     */
    readonly asyncDispose: unique symbol;
  }
}

/** Options of `client.ready(options)`: how long to wait for every subscribed stream to be live. */
export interface ReadyOptions {
  /** Stop waiting when it aborts (ERR_ABORTED, cause `signal.reason`); `AbortSignal.timeout(ms)` works too. */
  signal?: AbortSignalLike | undefined;
  /** Give up after this long (ERR_ABORTED naming the streams not live). @default no limit */
  timeoutMs?: number | undefined;
}

/** What `whenReady` needs of the client. */
export interface ReadyHost extends Pick<ClientEmitter, 'on' | 'off'> {
  health(): ClientHealth;
}

const RECHECK_ON: readonly ClientEventName[] = ['open', 'subscribed', 'stateChange', 'streamRestored', 'connecting', 'userDataState', 'unsubscribed'];
const POLL_MS = 250;

/** `2 of 5 streams not live: btcusdt@depth (waiting for the first message), …` (at most 5 named). */
export function notLive(h: ClientHealth): string {
  const bad = Object.entries(h.streams).filter(([, s]) => s.state !== 'live');
  const ud = h.userData.filter((u) => u.state !== 'live');
  const parts = bad.slice(0, 5).map(([name, s]) => `${name} (${s.state}${s.reason ? `: ${s.reason}` : ''})`);
  if (bad.length > 5) parts.push(`${bad.length - 5} more`);
  for (const u of ud) parts.push(`user data ${u.product} (${u.state})`);
  const total = Object.keys(h.streams).length;
  return `${bad.length} of ${total} streams not live${ud.length ? `, ${ud.length} user-data stream(s) not live` : ''}: ${parts.join(', ')}`;
}

const stopped = (): BinanceStreamError => new BinanceStreamError('ERR_ABORTED', 'ready() aborted: the client stopped before every stream was live');

function allLive(h: ClientHealth): boolean {
  return h.live === Object.keys(h.streams).length && h.userData.every((u) => u.state === 'live');
}

/** See the module comment. `stopSignal` aborts when the client stops. */
export function whenReady(host: ReadyHost, stopSignal: AbortSignalLike, options: ReadyOptions = {}): Promise<void> {
  let signal: AbortSignalLike | undefined;
  let timeoutMs: number | undefined;
  try {
    const o = optObject('ready() options', options, 'an object { signal?, timeoutMs? }') ?? {};
    knownKeys('ready()', o, ['signal', 'timeoutMs']);
    signal = optImplementation<AbortSignalLike>('ready().signal', o.signal, ['addEventListener', 'removeEventListener'], 'an AbortSignal');
    timeoutMs = o.timeoutMs === undefined ? undefined : num('ready().timeoutMs', o.timeoutMs, 0, { min: 0, unit: 'ms' });
  } catch (err) {
    return Promise.reject(err as Error);
  }
  if (stopSignal.aborted) return Promise.reject(stopped());
  if (signal?.aborted) return Promise.reject(aborted('ready()', signal.reason));
  if (allLive(host.health())) return Promise.resolve();

  return new Promise<void>((resolve, reject) => {
    let done = false;
    let checkQueued = false;
    const poll = setInterval(() => check(), POLL_MS);
    const deadline =
      timeoutMs === undefined ? undefined : setTimeout(() => finish(new BinanceStreamError('ERR_ABORTED', `ready() timed out after ${timeoutMs} ms: ${notLive(host.health())}`)), timeoutMs);
    const finish = (err?: BinanceStreamError): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      if (deadline !== undefined) clearTimeout(deadline);
      for (const e of RECHECK_ON) host.off(e, recheck);
      host.off('gaveUp', onGaveUp);
      stopSignal.removeEventListener('abort', onStop);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const check = (): void => {
      checkQueued = false;
      if (!done && allLive(host.health())) finish();
    };
    // After the event's other listeners (the pool records acknowledgements in its own).
    const recheck = (): void => {
      if (checkQueued) return;
      checkQueued = true;
      queueMicrotask(check);
    };
    const onGaveUp = (e: GaveUpEvent): void =>
      finish(
        new BinanceStreamError('ERR_GAVE_UP', `ready(): socket ${e.socketId} gave up after ${e.attempts} attempt(s) (${e.error.message}); its streams are down until revived`, {
          cause: e.error,
          streams: e.streams,
        }),
      );
    const onStop = (): void => finish(stopped());
    const onAbort = (): void => finish(aborted('ready()', signal?.reason));
    for (const e of RECHECK_ON) host.on(e, recheck);
    host.on('gaveUp', onGaveUp);
    stopSignal.addEventListener('abort', onStop, { once: true });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

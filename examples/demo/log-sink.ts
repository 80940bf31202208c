/**
 * The demo's one log sink: every log record — the client's (through `consoleLogger`) and the demo's own
 * (FAULT, error events) — goes through `write(level, text)`, which counts it under that level, keeps it
 * for the screen and, in plain mode, prints it as one line tagged with that same level. The summary's
 * "N WARN, M ERROR" reads these counts, so it equals what was printed: there is no second tally.
 *
 * Plain line format: `<ISO time> <LEVEL> <text>` (one record, one line: control characters become spaces).
 */
import type { ConsoleLike } from 'binance-stream-client';

export type DemoLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  level: DemoLevel;
  /** The text after the level tag: `[binance-stream-client] reconnecting socketId=…` or `[demo] FAULT …`. */
  text: string;
  at: number;
}

const TAGS: Record<DemoLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/** `2026-12-01T19:00:00.000Z WARN …` → the level and the text, or undefined for anything else (used by the tests too). */
export function parseLogLine(line: string): { level: DemoLevel; text: string } | undefined {
  const m = /^\d{4}-\d\d-\d\dT[\d:.]+Z (DEBUG|INFO|WARN|ERROR) (.*)$/.exec(line);
  if (!m) return undefined;
  return { level: m[1]!.toLowerCase() as DemoLevel, text: m[2]! };
}

export class LogSink {
  readonly counts: Record<DemoLevel, number> = { debug: 0, info: 0, warn: 0, error: 0 };
  /** Records whose error text is empty (`error=` with nothing after it: the first field report's symptom). */
  emptyErrorTexts = 0;
  private readonly recent: LogRecord[] = [];

  /** @param print where plain lines go (undefined on the TTY screen, which shows `recentLines()` instead). */
  constructor(
    private readonly print: ((line: string) => void) | undefined,
    private readonly keep = 200,
  ) {}

  write(level: DemoLevel, text: string): void {
    // eslint-disable-next-line no-control-regex
    const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ');
    this.counts[level]++;
    if (/error[^=]*[:=]\s*(,|$)/i.test(clean)) this.emptyErrorTexts++;
    const rec: LogRecord = { level, text: clean, at: Date.now() };
    this.recent.push(rec);
    if (this.recent.length > this.keep) this.recent.shift();
    this.print?.(`${new Date(rec.at).toISOString()} ${TAGS[level]} ${clean}`);
  }

  /** The demo's own line: `[demo] <message>`. */
  demo(level: DemoLevel, message: string): void {
    this.write(level, `[demo] ${message}`);
  }

  /**
   * A `console` for `consoleLogger(level, { console, timestamps: false })`: its line starts with its own level
   * tag, which is dropped and re-added by `write` from the method's level (the one that is counted).
   */
  console(): ConsoleLike {
    const at =
      (level: DemoLevel) =>
      (...args: unknown[]): void => {
        const line = args.map(String).join(' ');
        this.write(level, line.startsWith(`${TAGS[level]} `) ? line.slice(TAGS[level].length + 1) : line);
      };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  }

  /** The last `n` records of the given levels, oldest first. */
  recentLines(n: number, levels: readonly DemoLevel[] = ['warn', 'error']): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = this.recent.length - 1; i >= 0 && out.length < n; i--) if (levels.includes(this.recent[i]!.level)) out.unshift(this.recent[i]!);
    return out;
  }

  tag(level: DemoLevel): string {
    return TAGS[level];
  }
}

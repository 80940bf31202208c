/**
 * The TTY screen: one frame redrawn in place (cursor home, each line cleared to its end, the rest of the
 * screen cleared), never wider than the terminal (lines are truncated with "…") nor taller (extra lines
 * are dropped, and the last line has no newline, so the terminal never scrolls). The cursor is hidden
 * while the screen lives and shown again by `finish()` — or by `restore()`, safe to call on any exit path.
 */

export interface ScreenOut {
  write(chunk: string): unknown;
  columns?: number | undefined;
  rows?: number | undefined;
}

const ESC = '\x1b[';
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** Columns a string takes (code points: the demo prints no wide characters). */
export function width(s: string): number {
  return [...stripAnsi(s)].length;
}

/** `s` cut to `max` columns, ending in "…" when it was cut. */
export function truncate(s: string, max: number): string {
  const cps = [...s];
  if (cps.length <= max) return s;
  return max <= 0 ? '' : `${cps.slice(0, max - 1).join('')}…`;
}

/** At most `rows` lines of at most `cols` columns each. */
export function fitFrame(lines: readonly string[], cols: number, rows: number): string[] {
  return lines.slice(0, Math.max(0, rows)).map((l) => truncate(l, cols));
}

export class Screen {
  private started = false;
  private restored = false;

  constructor(private readonly out: ScreenOut) {}

  /** The terminal's size now (80×24 when it does not say). */
  size(): { cols: number; rows: number } {
    return { cols: this.out.columns || 80, rows: this.out.rows || 24 };
  }

  /** Draw one frame in place (the first call clears the screen and hides the cursor). */
  draw(lines: readonly string[]): void {
    const { cols, rows } = this.size();
    const frame = fitFrame(lines, cols, rows);
    let s = this.started ? `${ESC}H` : `${ESC}?25l${ESC}2J${ESC}H`;
    this.started = true;
    s += frame.map((l) => `${l}${ESC}K`).join('\n');
    s += `${ESC}J`;
    this.out.write(s);
  }

  /** Clear the screen and redraw on the next `draw()` (after a resize). */
  invalidate(): void {
    if (this.started) this.out.write(`${ESC}2J`);
  }

  /** The last screen: cleared, `lines` printed (each fitted to the width; they may scroll), cursor shown. */
  finish(lines: readonly string[]): void {
    const { cols } = this.size();
    const show = this.started && !this.restored ? `${ESC}?25h` : '';
    this.restored = true;
    this.out.write(`${ESC}H${ESC}2J${lines.map((l) => truncate(l, cols)).join('\n')}\n${show}`);
  }

  /** Show the cursor again (idempotent; for exit and signal paths). */
  restore(): void {
    if (!this.started || this.restored) return;
    this.restored = true;
    this.out.write(`${ESC}?25h`);
  }
}

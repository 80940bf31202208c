/**
 * Connections that ended but whose WebSocket has not reported closed yet (a close
 * handshake in flight). stop() waits for them, bounded: CLOSE_WAIT_MS for the close
 * handshakes, then terminate, then TERMINATE_WAIT_MS for the terminations.
 */
import { TimerSlots } from '../core/timers';
import type { Connection } from './connection';

const CLOSE_WAIT_MS = 1_000;
const TERMINATE_WAIT_MS = 250;

export class Lingering {
  private readonly conns = new Set<Connection>();
  private readonly slots = new TimerSlots<'closeWait'>();

  add(conn: Connection): void {
    this.conns.add(conn);
    void conn.closed.then(() => this.conns.delete(conn));
  }

  /** Resolves when every WebSocket is closed (terminated when it would not close in time). */
  async drain(): Promise<void> {
    if (!(await this.wait(CLOSE_WAIT_MS))) {
      for (const c of this.conns) c.terminate();
      await this.wait(TERMINATE_WAIT_MS);
    }
    this.conns.clear();
  }

  private wait(ms: number): Promise<boolean> {
    if (this.conns.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      this.slots.set('closeWait', ms, () => resolve(false));
      void Promise.all([...this.conns].map((c) => c.closed)).then(() => {
        this.slots.clear('closeWait');
        resolve(true);
      });
    });
  }
}

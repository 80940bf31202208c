/**
 * The child side of the stall-detection figure: one subject (this client or a peer) on one
 * stream, one connection. It reports the first data message, every signal the library
 * emits on its own (this client's `stale`, a peer's reconnect or close) and, per stall the
 * runner announces, the first data message after it. The runner decides what counts.
 */
import type { Signal, SubjectFactory, SubjectHandle } from '../subjects/types';
import { monoMs, type DetectChildMessage, type DetectJob, type DetectParentMessage } from './protocol';

/** Data received this soon after a stall was already on its way: not a resumption. */
const IN_FLIGHT_MS = 50;

function send(m: DetectChildMessage): void {
  if (process.send) process.send(m);
}

async function run(create: SubjectFactory): Promise<void> {
  const stalls: { n: number; at: number; resumed: boolean }[] = [];
  const subject: { handle?: SubjectHandle } = {};
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.race([subject.handle?.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    setTimeout(() => process.exit(0), 50);
  };

  const job = await new Promise<DetectJob>((resolve) => {
    process.on('message', (m: DetectParentMessage) => {
      if (m.type === 'job') resolve(m.job);
      else if (m.type === 'stall') stalls.push({ n: m.n, at: m.at, resumed: false });
      else void stop();
    });
    send({ type: 'ready' });
  });
  setTimeout(() => {
    send({ type: 'failed', reason: `timed out after ${job.timeoutMs} ms` });
    process.exit(2);
  }, job.timeoutMs).unref();

  let flowing = false;
  const onData = (): void => {
    const t = monoMs();
    if (!flowing) {
      flowing = true;
      send({ type: 'flowing', t });
    }
    for (const s of stalls) {
      if (!s.resumed && t > s.at + IN_FLIGHT_MS) {
        s.resumed = true;
        send({ type: 'resumed', n: s.n, t });
      }
    }
  };
  const onSignal = (s: Signal, detail?: { scope?: string | undefined }): void => {
    if (s !== 'open') send({ type: 'signal', s, t: monoMs(), scope: detail?.scope });
  };
  const handle = await create({ wsBase: job.wsBase, streams: [job.stream], onData, onSignal, maxStreamsPerConnection: 1024 });
  subject.handle = handle;
  await handle.start();
}

/** Entry point of one subject's detection child. */
export function detectMain(create: SubjectFactory): void {
  run(create).catch((err: unknown) => {
    send({ type: 'failed', reason: err instanceof Error ? err.message : String(err) });
    setTimeout(() => process.exit(1), 50);
  });
}

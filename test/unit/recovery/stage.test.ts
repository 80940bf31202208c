import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResilientSocketLike } from '../../../src/connection/types';
import { StreamRouter } from '../../../src/pool/router';
import { StreamState } from '../../../src/pool/stream-state';
import type { RecoveryStage, StreamView } from '../../../src/recovery/stage';
import { classifyStream } from '../../../src/streams/classify';

const dir = join(__dirname, '../../../src/recovery');

describe('RecoveryStage', () => {
  it('recovery/ never imports pool/ (the StreamView it needs is declared in recovery/stage.ts)', () => {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(
        imports.filter((i) => i.includes('/pool/') || i.startsWith('../pool')),
        file,
      ).toEqual([]);
    }
  });

  it('sees the stream through the StreamView the router hands it (the pool’s StreamState)', () => {
    const views: StreamView[] = [];
    const stage: RecoveryStage = { name: 'spy', accept: (s) => (views.push(s), true) };
    const router = new StreamRouter(() => {});
    const st = new StreamState('x@trade', classifyStream('x@trade'), 'g', 5, [stage]);
    const sock = { id: 's' } as unknown as ResilientSocketLike;
    st.primary = sock;
    router.add(st);
    router.route({ stream: 'x@trade', data: { t: 1 }, receivedAt: 9 }, sock);
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ name: 'x@trade', group: 'g', messages: 1, lastMessageAt: 9, info: { kind: 'trade' } });
  });
});

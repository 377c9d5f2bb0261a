import { describe, expect, it, vi } from 'vitest';
import type { HistoryStore, SessionWrite } from '../../../src/store/history-store.ts';
import { WriteQueue } from '../../../src/store/write-queue.ts';
import type { Logger } from '../../../src/log.ts';

function fakeStore(fail: (group: readonly SessionWrite[]) => boolean): {
  store: HistoryStore;
  batches: (readonly SessionWrite[])[][];
} {
  const batches: (readonly SessionWrite[])[][] = [];
  const store = {
    kind: 'sqlite',
    write: (groups: readonly (readonly SessionWrite[])[]) => {
      batches.push([...groups]);
      return Promise.resolve(groups.map((g) => (fail(g) ? new Error('disk full') : null)));
    },
  } as unknown as HistoryStore;
  return { store, batches };
}

const clear = (sessionId: string): SessionWrite[] => [{ kind: 'clear_reps', sessionId, lease: 0 }];

describe('write queue', () => {
  it('returns at once, then writes what accumulated as one batch, in order', async () => {
    const { store, batches } = fakeStore(() => false);
    const logger = { error: vi.fn() } as unknown as Logger;
    const q = new WriteQueue(Promise.resolve(store), logger);
    for (let i = 0; i < 5; i++) q.enqueue(clear(`s${i}`));
    expect(batches).toHaveLength(0);
    await q.flush();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map((g) => (g[0] as { sessionId: string }).sessionId)).toEqual([
      's0',
      's1',
      's2',
      's3',
      's4',
    ]);
  });

  it('logs failed groups and never throws at the caller', async () => {
    const { store } = fakeStore((g) => (g[0] as { sessionId: string }).sessionId === 'bad');
    const error = vi.fn();
    const q = new WriteQueue(Promise.resolve(store), { error } as unknown as Logger);
    q.enqueue(clear('ok'));
    q.enqueue(clear('bad'));
    await q.flush();
    expect(error).toHaveBeenCalledTimes(1);
    const rejected = new WriteQueue(Promise.reject(new Error('no database')), { error } as unknown as Logger);
    expect(() => rejected.enqueue(clear('x'))).not.toThrow();
    await rejected.flush();
    expect(error).toHaveBeenCalledTimes(2);
  });
});

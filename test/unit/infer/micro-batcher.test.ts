import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatcherClosedError, MicroBatcher } from '../../../src/infer/micro-batcher.ts';

/** A batcher over numbers whose `run` doubles them and records every batch it was given. */
function doubling(maxBatch: number, maxWaitMs: number, delayMs = 0) {
  const batches: number[][] = [];
  const batcher = new MicroBatcher<number, number>({
    maxBatch,
    maxWaitMs,
    run: async (items) => {
      batches.push([...items]);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return items.map((x) => x * 2);
    },
  });
  return { batcher, batches };
}

describe('micro-batcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts a batch as soon as it is full, without waiting for the cap', async () => {
    const { batcher, batches } = doubling(3, 1_000);
    const out = Promise.all([1, 2, 3].map((x) => batcher.submit(x)));
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[1, 2, 3]]);
    await expect(out).resolves.toEqual([2, 4, 6]);
  });

  it('never holds an item longer than the latency cap', async () => {
    const { batcher, batches } = doubling(8, 5);
    const first = batcher.submit(1);
    await vi.advanceTimersByTimeAsync(3);
    const second = batcher.submit(2);
    expect(batches).toHaveLength(0);
    // The cap counts from the oldest item: 5 ms after the first, not after the second.
    await vi.advanceTimersByTimeAsync(2);
    expect(batches).toEqual([[1, 2]]);
    await expect(Promise.all([first, second])).resolves.toEqual([2, 4]);
  });

  it('runs one batch at a time; what queued meanwhile runs next, at once, split at maxBatch', async () => {
    const { batcher, batches } = doubling(2, 5, 20);
    const all = [1, 2, 3, 4, 5].map((x) => batcher.submit(x));
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[1, 2]]);
    await vi.advanceTimersByTimeAsync(20);
    expect(batches).toEqual([[1, 2], [3, 4]]);
    await vi.advanceTimersByTimeAsync(20);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    await vi.advanceTimersByTimeAsync(20);
    await expect(Promise.all(all)).resolves.toEqual([2, 4, 6, 8, 10]);
  });

  it('with maxBatch 1 every item runs alone', async () => {
    const { batcher, batches } = doubling(1, 5);
    await vi.advanceTimersByTimeAsync(0);
    const all = Promise.all([1, 2, 3].map((x) => batcher.submit(x)));
    await vi.advanceTimersByTimeAsync(0);
    await expect(all).resolves.toEqual([2, 4, 6]);
    expect(batches).toEqual([[1], [2], [3]]);
  });

  it('a failing batch rejects its own items only; the next batch runs', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number, number>({
      maxBatch: 2,
      maxWaitMs: 1,
      run: (items) => {
        calls++;
        if (calls === 1) throw new Error('device lost');
        return items.map((x) => x + 1);
      },
    });
    const a = batcher.submit(1);
    const b = batcher.submit(2);
    const c = batcher.submit(3);
    const settled = Promise.allSettled([a, b, c]);
    await vi.advanceTimersByTimeAsync(5);
    const [ra, rb, rc] = await settled;
    expect(ra).toMatchObject({ status: 'rejected', reason: { message: 'device lost' } });
    expect(rb).toMatchObject({ status: 'rejected', reason: { message: 'device lost' } });
    expect(rc).toEqual({ status: 'fulfilled', value: 4 });
  });

  it('rejects a batch whose run returns the wrong number of outputs', async () => {
    const batcher = new MicroBatcher<number, number>({ maxBatch: 2, maxWaitMs: 1, run: () => [1] });
    const settled = Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    await vi.advanceTimersByTimeAsync(2);
    for (const r of await settled) expect(r).toMatchObject({ status: 'rejected', reason: { message: 'batch returned 1 outputs for 2 inputs' } });
  });

  it('close rejects what is still waiting and refuses new items; no timer is left', async () => {
    const { batcher, batches } = doubling(4, 100);
    const waiting = batcher.submit(1);
    batcher.close();
    await expect(waiting).rejects.toBeInstanceOf(BatcherClosedError);
    await expect(batcher.submit(2)).rejects.toBeInstanceOf(BatcherClosedError);
    expect(vi.getTimerCount()).toBe(0);
    expect(batches).toHaveLength(0);
  });

  it('reports each batch size and how long its oldest item waited', async () => {
    const seen: [number, number][] = [];
    const batcher = new MicroBatcher<number, number>({ maxBatch: 4, maxWaitMs: 10, run: (xs) => xs, onBatch: (n, w) => seen.push([n, w]) });
    const all = Promise.all([batcher.submit(1), batcher.submit(2)]);
    await vi.advanceTimersByTimeAsync(10);
    await all;
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[0]).toBe(2);
    expect(seen[0]?.[1]).toBeGreaterThanOrEqual(9);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new MicroBatcher({ maxBatch: 0, maxWaitMs: 1, run: () => [] })).toThrow(RangeError);
    expect(() => new MicroBatcher({ maxBatch: 2, maxWaitMs: -1, run: () => [] })).toThrow(RangeError);
  });
});

describe('landmark batch size (POSE_BATCH_MAX)', () => {
  it('auto batches on tensorflow-gpu only; an explicit size always wins', async () => {
    const { resolveBatchMax } = await import('../../../src/infer/landmark-step.ts');
    expect(resolveBatchMax(0, 'tensorflow-gpu')).toBe(8);
    expect(resolveBatchMax(0, 'tensorflow')).toBe(1);
    expect(resolveBatchMax(0, 'wasm')).toBe(1);
    expect(resolveBatchMax(3, 'wasm')).toBe(3);
    expect(resolveBatchMax(1, 'tensorflow-gpu')).toBe(1);
  });
});

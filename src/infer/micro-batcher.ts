/**
 * Micro-batching with a latency cap: requests from different callers (sessions) queue up and run
 * as one call of `run` over up to `maxBatch` items. A batch starts when it is full, when its oldest
 * item has waited `maxWaitMs`, or at once when the previous batch finishes with items waiting
 * (they already waited for the device). One batch runs at a time: on a GPU a second concurrent
 * call would only queue behind the first. Pure scheduling, no tensors: the pose landmark stage
 * (landmark-step.ts) plugs its model call in as `run`.
 */
export interface MicroBatcherOptions<I, O> {
  /** Largest batch; 1 disables batching (every item runs alone, still one at a time). */
  maxBatch: number;
  /** Longest an item waits for company before its batch starts anyway. */
  maxWaitMs: number;
  /** Runs one batch; must return one output per input, in order. */
  run: (items: readonly I[]) => Promise<readonly O[]> | readonly O[];
  /** Told the size of every batch that ran (for metrics). */
  onBatch?: (size: number, waitedMs: number) => void;
}

interface Queued<I, O> {
  item: I;
  at: number;
  resolve: (out: O) => void;
  reject: (err: Error) => void;
}

export class BatcherClosedError extends Error {
  constructor() {
    super('micro-batcher closed');
    this.name = 'BatcherClosedError';
  }
}

export class MicroBatcher<I, O> {
  private queue: Queued<I, O>[] = [];
  private running = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(private readonly opts: MicroBatcherOptions<I, O>) {
    if (!Number.isInteger(opts.maxBatch) || opts.maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${opts.maxBatch}`);
    if (!(opts.maxWaitMs >= 0)) throw new RangeError(`maxWaitMs must be >= 0, got ${opts.maxWaitMs}`);
  }

  /** Items waiting for a batch (not the one running). */
  get pending(): number {
    return this.queue.length;
  }

  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(new BatcherClosedError());
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, at: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Rejects everything still waiting; a batch already running completes. */
  close(): void {
    this.closed = true;
    this.clearTimer();
    const dropped = this.queue.splice(0);
    for (const q of dropped) q.reject(new BatcherClosedError());
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queue.length >= this.opts.maxBatch) {
      this.launch();
      return;
    }
    if (this.timer !== null) return;
    const oldest = this.queue[0]?.at ?? performance.now();
    const left = Math.max(0, this.opts.maxWaitMs - (performance.now() - oldest));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.launch();
    }, left);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private launch(): void {
    if (this.running || this.queue.length === 0) return;
    this.clearTimer();
    const batch = this.queue.splice(0, this.opts.maxBatch);
    this.running = true;
    const started = performance.now();
    this.opts.onBatch?.(batch.length, started - (batch[0]?.at ?? started));
    void this.execute(batch).finally(() => {
      this.running = false;
      // Whatever queued meanwhile has waited for the device already: run it now.
      if (this.queue.length > 0) this.launch();
    });
  }

  private async execute(batch: Queued<I, O>[]): Promise<void> {
    let outputs: readonly O[];
    try {
      outputs = await this.opts.run(batch.map((q) => q.item));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      for (const q of batch) q.reject(e);
      return;
    }
    if (outputs.length !== batch.length) {
      const e = new Error(`batch returned ${outputs.length} outputs for ${batch.length} inputs`);
      for (const q of batch) q.reject(e);
      return;
    }
    batch.forEach((q, i) => q.resolve(outputs[i] as O));
  }
}

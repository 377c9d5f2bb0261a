import type { Logger } from '../log.ts';
import type { HistoryStore, SessionWrite } from './history-store.ts';

/** Groups waiting past this many mean the database is gone: the oldest are dropped (and logged) rather than kept without bound. */
const MAX_PENDING_GROUPS = 10_000;
/** Groups per transaction. */
const MAX_BATCH = 256;

/**
 * Keeps database writes off the frame path: sessions enqueue a group of writes (atomic together) and
 * return at once; one writer drains the queue in order, batching what accumulated into one
 * transaction. Failures are logged, never thrown back at a session.
 */
export class WriteQueue {
  private pending: (readonly SessionWrite[])[] = [];
  private running: Promise<void> | null = null;
  private dropped = 0;

  constructor(
    private readonly store: Promise<HistoryStore>,
    private readonly logger: Logger,
  ) {
    // A store that never opens fails each write (logged); the rejection itself is not news.
    store.catch(() => undefined);
  }

  enqueue(group: readonly SessionWrite[]): void {
    if (group.length === 0) return;
    this.pending.push(group);
    if (this.pending.length > MAX_PENDING_GROUPS) {
      this.pending.shift();
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0)
        this.logger.error(
          { dropped: this.dropped },
          'history writes dropped: the database is not keeping up',
        );
    }
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    // Let the frame that enqueued finish (and its neighbours enqueue) before writing.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      let results: (Error | null)[];
      try {
        results = await (await this.store).write(batch);
      } catch (err) {
        results = batch.map(() => err as Error);
      }
      results.forEach((err, i) => {
        if (err)
          this.logger.error(
            { err: err.message, writes: batch[i]?.map((w) => w.kind) },
            'a history write failed',
          );
      });
    }
  }

  /** Resolves once everything enqueued so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }
}

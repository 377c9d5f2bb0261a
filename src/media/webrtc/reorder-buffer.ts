/**
 * Puts RTP packets back in sequence order and waits a bounded time for a missing one (the NACK
 * retransmission) before giving up on it.
 *
 * Used instead of werift 0.24.4's JitterBufferCallback, which after a timed-out gap releases only the
 * timed-out packets and the newest one and strands everything in between: one lost packet costs
 * ~100 ms of video (see test/unit/media/reorder-buffer.test.ts). Waiting is measured in arrival time,
 * not RTP timestamps, because what we wait for is a retransmission.
 */
export type ReorderOutput<P> =
  { kind: 'packet'; packet: P; sequenceNumber: number } | { kind: 'lost'; from: number; to: number };

export interface ReorderBufferOptions {
  /** Longest wait for a missing packet. */
  latencyMs: number;
  /** Most packets held while waiting; beyond it the gap is given up at once. */
  maxPackets?: number;
}

export interface ReorderBufferStats {
  late: number;
  lost: number;
  held: number;
}

const seqDiff = (a: number, b: number): number => ((a - b + 0x18000) & 0xffff) - 0x8000;

export class ReorderBuffer<P> {
  private next: number | undefined;
  private readonly held = new Map<number, { packet: P; arrivalMs: number }>();
  private readonly latencyMs: number;
  private readonly maxPackets: number;
  private late = 0;
  private lost = 0;

  constructor(options: ReorderBufferOptions) {
    this.latencyMs = options.latencyMs;
    this.maxPackets = options.maxPackets ?? 512;
  }

  get stats(): ReorderBufferStats {
    return { late: this.late, lost: this.lost, held: this.held.size };
  }

  push(sequenceNumber: number, packet: P, arrivalMs: number): ReorderOutput<P>[] {
    const out: ReorderOutput<P>[] = [];
    if (this.next === undefined) this.next = sequenceNumber;
    const ahead = seqDiff(sequenceNumber, this.next);
    if (ahead < 0 || this.held.has(sequenceNumber)) {
      // Already released or given up on: a duplicate or a retransmission that came too late.
      this.late++;
      return out;
    }
    if (ahead === 0) {
      out.push({ kind: 'packet', packet, sequenceNumber });
      this.next = (sequenceNumber + 1) & 0xffff;
      this.drain(out);
    } else {
      this.held.set(sequenceNumber, { packet, arrivalMs });
    }
    this.expire(arrivalMs, out);
    return out;
  }

  /** Release what is in order after `next`. */
  private drain(out: ReorderOutput<P>[]): void {
    for (let entry = this.held.get(this.next!); entry; entry = this.held.get(this.next)) {
      this.held.delete(this.next!);
      out.push({ kind: 'packet', packet: entry.packet, sequenceNumber: this.next! });
      this.next = (this.next! + 1) & 0xffff;
    }
  }

  /** Give up on the gap in front of the oldest held packet once it waited too long or too much is held. */
  private expire(nowMs: number, out: ReorderOutput<P>[]): void {
    while (this.held.size > 0) {
      let oldestSeq: number | undefined;
      let oldestArrival = Number.POSITIVE_INFINITY;
      for (const [seq, entry] of this.held) {
        if (oldestSeq === undefined || seqDiff(seq, oldestSeq) < 0) oldestSeq = seq;
        oldestArrival = Math.min(oldestArrival, entry.arrivalMs);
      }
      if (nowMs - oldestArrival < this.latencyMs && this.held.size <= this.maxPackets) return;
      const from = this.next!;
      const to = (oldestSeq! - 1) & 0xffff;
      this.lost += seqDiff(oldestSeq!, from);
      out.push({ kind: 'lost', from, to });
      this.next = oldestSeq!;
      this.drain(out);
    }
  }
}

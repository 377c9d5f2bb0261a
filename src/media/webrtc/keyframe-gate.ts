/**
 * Decides which depacketized frames may reach the decoder. Every VP8/H.264 inter frame refers to the
 * frames before it, so once a packet is lost everything up to the next keyframe would decode into
 * smeared garbage; the pose model must never see that. After a gap (or at start) only a keyframe
 * opens the gate again, and the owner keeps asking the sender for one (PLI).
 */
export interface KeyframeGateStats {
  gaps: number;
  framesPassed: number;
  framesDropped: number;
}

export type GateVerdict = 'pass' | 'drop';

export class KeyframeGate {
  private lastSeq: number | undefined;
  private waiting = true;
  private readonly counters: KeyframeGateStats = { gaps: 0, framesPassed: 0, framesDropped: 0 };

  get awaitingKeyframe(): boolean {
    return this.waiting;
  }

  get stats(): KeyframeGateStats {
    return { ...this.counters };
  }

  /**
   * Sees every packet in the order the jitter buffer releases it; returns true when it reveals a gap
   * (a sequence number skipped, modulo 2^16).
   */
  onPacket(sequenceNumber: number): boolean {
    const previous = this.lastSeq;
    this.lastSeq = sequenceNumber;
    if (previous === undefined || ((previous + 1) & 0xffff) === sequenceNumber) return false;
    this.onLoss();
    return true;
  }

  /** The jitter buffer gave up on packets, or something downstream lost its reference. */
  onLoss(): void {
    this.counters.gaps++;
    this.waiting = true;
  }

  onFrame(isKeyframe: boolean): GateVerdict {
    if (this.waiting && !isKeyframe) {
      this.counters.framesDropped++;
      return 'drop';
    }
    this.waiting = false;
    this.counters.framesPassed++;
    return 'pass';
  }
}

/** At most one keyframe request per interval: a PLI storm makes the sender spend its bitrate on keyframes. */
export class PliThrottle {
  private lastSentMs = Number.NEGATIVE_INFINITY;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(intervalMs: number, now: () => number = () => performance.now()) {
    this.intervalMs = intervalMs;
    this.now = now;
  }

  /** True when a PLI may go out now (and records it as sent). */
  take(): boolean {
    const now = this.now();
    if (now - this.lastSentMs < this.intervalMs) return false;
    this.lastSentMs = now;
    return true;
  }
}

/**
 * Token bucket per connection: `ratePerSecond` refill, `burst` capacity. Messages over the budget are
 * refused. Refusals leak away at the same rate, so a client that merely runs a little fast is only
 * throttled, while one that keeps sending faster than twice the rate piles up more than a burst of
 * refusals and is to be disconnected.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private refused = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** 'ok', 'limited' (refuse this message) or 'abusive' (disconnect). */
  take(): 'ok' | 'limited' | 'abusive' {
    const t = this.now();
    const refill = ((t - this.last) / 1000) * this.ratePerSecond;
    this.tokens = Math.min(this.burst, this.tokens + refill);
    this.refused = Math.max(0, this.refused - refill);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'ok';
    }
    this.refused++;
    return this.refused > this.burst ? 'abusive' : 'limited';
  }
}

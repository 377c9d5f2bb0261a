/** Analysed frames per second over a sliding window of result arrival times. */
export class RateMeter {
  private readonly times: number[] = [];

  constructor(private readonly windowMs = 2000) {}

  tick(now = performance.now()): void {
    this.times.push(now);
    this.trim(now);
  }

  rate(now = performance.now()): number {
    this.trim(now);
    return (this.times.length * 1000) / this.windowMs;
  }

  reset(): void {
    this.times.length = 0;
  }

  private trim(now: number): void {
    while (this.times.length > 0 && (this.times[0] ?? 0) < now - this.windowMs) this.times.shift();
  }
}

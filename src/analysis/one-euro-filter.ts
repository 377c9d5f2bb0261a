/**
 * One-Euro filter (Casiez et al., CHI 2012): a low-pass whose cut-off rises with speed, so
 * a resting joint stays still despite landmark jitter while a fast rep is not lagged away.
 */
export interface OneEuroParams {
  /** Cut-off at rest, Hz. */
  minCutoff: number;
  /** How much the cut-off grows per unit/s of speed. */
  beta: number;
  /** Cut-off for the speed estimate, Hz. */
  dCutoff: number;
}

export const DEFAULT_ONE_EURO: OneEuroParams = { minCutoff: 1.0, beta: 0.007, dCutoff: 1.0 };

function alpha(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

export class OneEuroFilter {
  private x: number | null = null;
  private dx = 0;
  private lastT = 0;

  constructor(private readonly params: OneEuroParams = DEFAULT_ONE_EURO) {}

  filter(value: number, t: number): number {
    if (this.x === null) {
      this.x = value;
      this.dx = 0;
      this.lastT = t;
      return value;
    }
    // Repeated or out-of-order timestamps would divide by zero; treat them as one frame at 30 fps.
    const dt = t > this.lastT ? t - this.lastT : 1 / 30;
    this.lastT = t;
    const rawDx = (value - this.x) / dt;
    this.dx += alpha(this.params.dCutoff, dt) * (rawDx - this.dx);
    const cutoff = this.params.minCutoff + this.params.beta * Math.abs(this.dx);
    this.x += alpha(cutoff, dt) * (value - this.x);
    return this.x;
  }

  reset(): void {
    this.x = null;
    this.dx = 0;
  }
}

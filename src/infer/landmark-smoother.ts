import type { Landmark } from './pose-types.ts';

/**
 * Temporal smoothing of the 33 landmarks, on the session's thread, in frame order. BlazePose's own
 * filters live inside each worker's detector state; when one stream is pipelined over several workers
 * each worker sees every other frame, so the filters belong here, where all frames meet.
 * MediaPipe's formulation: a One-Euro filter per coordinate whose speed term is measured in
 * body-scale units (so near and far people are smoothed alike), and an exponential filter on
 * visibility. Its constants (min cut-off 0.05 Hz, beta 80) let BlazePose-lite's jitter through at
 * rest; these halve it while a squat-speed movement lags by under a frame (unit tests).
 */
const MIN_CUTOFF = 0.3;
const BETA = 10;
const D_CUTOFF = 1;
const VISIBILITY_ALPHA = 0.1;
/** A gap this long (s) means a new scene: restart the filters rather than glide across it. */
const MAX_GAP_S = 1;

function alpha(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

export class LandmarkSmoother {
  private prev: Landmark[] | null = null;
  private velocity: Float64Array = new Float64Array(33 * 3);
  private lastT = 0;

  /** `t` in seconds; returns smoothed landmarks (a new array; the input is not modified). */
  smooth(landmarks: Landmark[] | null, t: number): Landmark[] | null {
    if (!landmarks) {
      this.reset();
      return null;
    }
    const prev = this.prev;
    const dt = t - this.lastT;
    if (!prev || prev.length !== landmarks.length || dt <= 0 || dt > MAX_GAP_S) {
      this.prev = landmarks.map((l) => [...l] as Landmark);
      this.velocity = new Float64Array(landmarks.length * 3);
      this.lastT = t;
      return this.prev.map((l) => [...l] as Landmark);
    }
    const scale = Math.max(1e-6, objectScale(landmarks));
    const out: Landmark[] = landmarks.map((l, i) => {
      const p = prev[i]!;
      const next: Landmark = [0, 0, 0, p[3] + VISIBILITY_ALPHA * (l[3] - p[3])];
      for (let k = 0; k < 3; k++) {
        const raw = ((l[k]! - p[k]!) / scale) / dt;
        const v = this.velocity[i * 3 + k]! + alpha(D_CUTOFF, dt) * (raw - this.velocity[i * 3 + k]!);
        this.velocity[i * 3 + k] = v;
        const cutoff = MIN_CUTOFF + BETA * Math.abs(v);
        next[k] = p[k]! + alpha(cutoff, dt) * (l[k]! - p[k]!);
      }
      return next;
    });
    this.prev = out;
    this.lastT = t;
    return out.map((l) => [...l] as Landmark);
  }

  reset(): void {
    this.prev = null;
  }
}

/** Mean of the landmarks' bounding-box sides: the body's size in normalised units. */
function objectScale(landmarks: Landmark[]): number {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of landmarks) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  return (maxX - minX + (maxY - minY)) / 2;
}

/**
 * A steady body scale for distance signals. The torso's on-screen length shrinks whenever
 * the trunk leans towards or away from the camera, which would read as the hips rising or
 * the shoulders dropping; the longest torso seen in the last few seconds does not, yet still
 * follows a camera zoom within that window. Each frame offers the larger of its torso length
 * and its shoulder (and hip) width (`bodySpan`): a head-on push-up points the torso at the
 * camera, where its length collapses to a few pixels but the shoulders stay wide.
 */
import { bodySpan, type Skeleton } from './signals.ts';

const WINDOW_S = 3;

export class BodyScale {
  private history: { t: number; length: number }[] = [];

  update(t: number, s: Skeleton): number {
    const length = bodySpan(s);
    if (length > 1e-6) this.history.push({ t, length });
    while ((this.history[0]?.t ?? t) < t - WINDOW_S) this.history.shift();
    let best = 0;
    for (const h of this.history) best = Math.max(best, h.length);
    return best > 0 ? best : length;
  }

  reset(): void {
    this.history = [];
  }
}

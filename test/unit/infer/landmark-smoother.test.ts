import { describe, expect, it } from 'vitest';
import { LandmarkSmoother } from '../../../src/infer/landmark-smoother.ts';
import type { Landmark } from '../../../src/infer/pose-types.ts';

/** A standing body ~0.6 tall; `dy` shifts every landmark, `noise` adds per-landmark jitter. */
function body(dy: number, noise: () => number): Landmark[] {
  return Array.from({ length: 33 }, (_, i) => [0.4 + (i % 5) * 0.05 + noise(), 0.2 + (i / 33) * 0.6 + dy + noise(), 0, 0.9] as Landmark);
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31 - 0.5) * 0.01;
  };
}

describe('LandmarkSmoother', () => {
  it('removes most jitter from a body at rest', () => {
    const smoother = new LandmarkSmoother();
    const rand = seeded(3);
    let rawDev = 0;
    let smoothDev = 0;
    const clean = body(0, () => 0);
    for (let i = 0; i < 90; i++) {
      const noisy = body(0, rand);
      const out = smoother.smooth(noisy, i / 30)!;
      if (i < 30) continue;
      for (let k = 0; k < 33; k++) {
        rawDev += Math.abs(noisy[k]![1] - clean[k]![1]);
        smoothDev += Math.abs(out[k]![1] - clean[k]![1]);
      }
    }
    expect(smoothDev).toBeLessThan(rawDev * 0.5);
  });

  it('follows a fast movement with little lag', () => {
    const smoother = new LandmarkSmoother();
    let last: Landmark[] | null = null;
    // A squat-speed drop of 0.25 (≈ 40% of body height) in 0.5 s, then hold.
    for (let i = 0; i < 30; i++) last = smoother.smooth(body(Math.min(1, i / 15) * 0.25, () => 0), i / 30);
    expect(last![10]![1]).toBeCloseTo(body(0.25, () => 0)[10]![1], 2);
  });

  it('restarts after nobody was seen or a long gap, and does not modify its input', () => {
    const smoother = new LandmarkSmoother();
    smoother.smooth(body(0, () => 0), 0);
    expect(smoother.smooth(null, 0.033)).toBeNull();
    const input = body(0.3, () => 0);
    const copy = JSON.stringify(input);
    expect(smoother.smooth(input, 0.066)![0]).toEqual(input[0]);
    expect(JSON.stringify(input)).toBe(copy);
    expect(smoother.smooth(body(-0.2, () => 0), 5)![0]).toEqual(body(-0.2, () => 0)[0]);
  });
});

/**
 * Training augmentation (scripts/train.ts): the turn about the vertical axis moves a landmark's
 * depth into its horizontal position as a camera at another bearing would see it, in true
 * (aspect-corrected) geometry, and leaves heights alone.
 */
import { describe, expect, it } from 'vitest';
import type { Landmark } from '../../../src/analysis/index.ts';
import { augment, type AugmentOptions } from '../../../scripts/train.ts';
import type { PoseFrame } from '../../../src/recognition/feature-window.ts';

const NONE: AugmentOptions = { mirror: false, rotationDeg: 0, yawDeg: 0, stretchX: 1, speed: 1, noise: 0, dropLandmarks: [], dropFrames: 0 };
const never = () => 0.99;

/** A frame whose hips are centred at (0.5, 0.5) with one test point at index 15 (left wrist). */
function frame(wrist: Landmark, aspect: number): PoseFrame {
  const lms: Landmark[] = Array.from({ length: 33 }, () => [0.5, 0.5, 0, 1] as Landmark);
  lms[23] = [0.48, 0.5, 0, 1];
  lms[24] = [0.52, 0.5, 0, 1];
  lms[15] = wrist;
  return { t: 0, landmarks: lms, aspect };
}

const wristOf = (frames: PoseFrame[]): Landmark => frames[0]?.landmarks?.[15] ?? [NaN, NaN, NaN, NaN];

describe('augment: turn about the vertical axis', () => {
  it('leaves the pose as it is at 0°', () => {
    const w = wristOf(augment([frame([0.6, 0.3, 0.05, 1], 16 / 9)], NONE, never));
    expect(w[0]).toBeCloseTo(0.6, 9);
    expect(w[1]).toBeCloseTo(0.3, 9);
  });

  it('at 90° puts the depth where the horizontal offset was (x and z share the width scale)', () => {
    for (const aspect of [16 / 9, 1, 9 / 16]) {
      // 0.1 of the width in front of the hips' plane, straight above the hips.
      const w = wristOf(augment([frame([0.5, 0.3, 0.1, 1], aspect)], { ...NONE, yawDeg: 90 }, never));
      expect(w[0]).toBeCloseTo(0.6, 9);
      expect(w[1]).toBeCloseTo(0.3, 9);
    }
  });

  it('foreshortens a sideways offset by cos θ when the point has no depth', () => {
    const w = wristOf(augment([frame([0.7, 0.3, 0, 1], 4 / 3)], { ...NONE, yawDeg: 60 }, never));
    expect(w[0]).toBeCloseTo(0.5 + 0.2 * Math.cos(Math.PI / 3), 9);
  });
});

/**
 * Training augmentation (scripts/train.ts): the turn about the vertical axis moves a landmark's
 * depth into its horizontal position as a camera at another bearing would see it, in true
 * (aspect-corrected) geometry, and leaves heights alone. Framing at the waist takes the legs out
 * of the picture as the default contract sees it.
 */
import { describe, expect, it } from 'vitest';
import type { Landmark } from '../../../src/analysis/index.ts';
import { augment, CONTRACT, type AugmentOptions } from '../../../scripts/train.ts';
import { buildFeatureWindow, type PoseFrame } from '../../../src/recognition/feature-window.ts';

const NONE: AugmentOptions = { mirror: false, rotationDeg: 0, yawDeg: 0, stretchX: 1, speed: 1, noise: 0, dropLandmarks: [], dropFrames: 0, outOfPicture: [] };
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

describe('augment: legs out of the picture', () => {
  it("framing at the waist sets the legs' visibility to 0, so the default contract hides them", () => {
    const frames = Array.from({ length: 45 }, (_, i): PoseFrame => {
      const lms = [...(frame([0.6, 0.3, 0, 1], 16 / 9).landmarks ?? [])];
      // Shoulders 0.2 above the hips (the torso length), legs below them.
      lms[11] = [0.47, 0.3, 0, 1];
      lms[12] = [0.53, 0.3, 0, 1];
      for (const j of [25, 26, 27, 28]) lms[j] = [0.5 + 0.01 * j, 0.8, 0, 0.95];
      return { t: i / 30, landmarks: lms, aspect: 16 / 9 };
    });
    const waist = augment(frames, { ...NONE, outOfPicture: [25, 26, 27, 28, 29, 30, 31, 32] }, never);
    expect(waist[0]?.landmarks?.slice(25, 33).every((l) => l[3] === 0)).toBe(true);
    expect(waist[0]?.landmarks?.[15]?.[3]).toBe(1);
    const shown = buildFeatureWindow(CONTRACT, augment(frames, NONE, never));
    const hidden = buildFeatureWindow(CONTRACT, waist);
    // Contract order: nose, shoulders, elbows, wrists, hips (7, 8), knees (9, 10), ankles (11, 12); x, y.
    const last = 29 * 26;
    for (const k of [9, 10, 11, 12]) {
      expect(hidden?.[last + 2 * k + 1]).toBe(0);
      expect(shown?.[last + 2 * k + 1]).toBeGreaterThan(1);
    }
    expect(hidden?.[last + 2 * 5]).toBeCloseTo(shown?.[last + 2 * 5] ?? NaN, 9);
  });
});

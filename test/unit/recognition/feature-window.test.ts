import { describe, expect, it } from 'vitest';
import type { Landmark } from '../../../src/analysis/index.ts';
import { buildFeatureWindow, FeatureWindowBuffer, type PoseFrame } from '../../../src/recognition/feature-window.ts';
import { SEED_LANDMARKS, type InputContract } from '../../../src/recognition/model-metadata.ts';

const seedContract: InputContract = {
  windowLength: 30,
  frameRate: 15,
  landmarks: [...SEED_LANDMARKS],
  channels: ['x', 'y', 'z'],
  aspectCorrected: false,
  normalization: { mode: 'none' },
  minCoverage: 0.9,
};

/** Every landmark i at x = 0.01·i + vx·t, y = 0.5, z = -0.001·i, visibility 1. */
function frame(t: number, vx = 0.1, aspect = 16 / 9): PoseFrame {
  const lms = Array.from({ length: 33 }, (_, i): Landmark => [0.01 * i + vx * t, 0.5, -0.001 * i, 1]);
  return { t, landmarks: lms, aspect };
}

function stream(fps: number, seconds: number, jitter = 0): PoseFrame[] {
  const out: PoseFrame[] = [];
  for (let i = 0; i < Math.round(fps * seconds); i++) out.push(frame(i / fps + (i % 2 ? jitter : -jitter)));
  return out;
}

describe('buildFeatureWindow', () => {
  it('keeps the contract landmark order and channels (12 landmarks × x, y, z = 36 features)', () => {
    const w = buildFeatureWindow(seedContract, stream(30, 3));
    expect(w).not.toBeNull();
    expect(w?.length).toBe(30 * 36);
    const lastT = (Math.round(30 * 3) - 1) / 30;
    // The last sample is the last frame: landmark k of the contract is BlazePose index SEED index.
    const base = 29 * 36;
    [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28].forEach((bp, k) => {
      expect(w?.[base + 3 * k]).toBeCloseTo(0.01 * bp + 0.1 * lastT, 5);
      expect(w?.[base + 3 * k + 1]).toBeCloseTo(0.5, 6);
      expect(w?.[base + 3 * k + 2]).toBeCloseTo(-0.001 * bp, 6);
    });
    const reversed = buildFeatureWindow({ ...seedContract, landmarks: [...SEED_LANDMARKS].reverse() }, stream(30, 3));
    expect(reversed?.[base]).toBeCloseTo(0.01 * 28 + 0.1 * lastT, 5);
  });

  it('resamples frames of any timing to the model frame rate (every 2nd frame of 30 fps)', () => {
    const at30 = buildFeatureWindow(seedContract, stream(30, 3));
    const at24jittered = buildFeatureWindow(seedContract, stream(24, 3, 0.004), (Math.round(30 * 3) - 1) / 30);
    expect(at30 && at24jittered).toBeTruthy();
    // Samples are 1/15 s apart: x of the first landmark rises by 0.1 / 15 per sample.
    const dx = (at30?.[36] ?? 0) - (at30?.[0] ?? 0);
    expect(dx).toBeCloseTo(0.1 / 15, 5);
    for (let i = 0; i < 30 * 36; i += 37) expect(at24jittered?.[i]).toBeCloseTo(at30?.[i] ?? NaN, 3);
  });

  it("normalises by the window's max absolute value (the seed's mode)", () => {
    const raw = buildFeatureWindow(seedContract, stream(30, 3));
    const norm = buildFeatureWindow({ ...seedContract, normalization: { mode: 'max-abs' } }, stream(30, 3));
    const maxRaw = Math.max(...Array.from(raw ?? [], Math.abs));
    expect(Math.max(...Array.from(norm ?? [], Math.abs))).toBeCloseTo(1, 6);
    expect(norm?.[100]).toBeCloseTo((raw?.[100] ?? 0) / maxRaw, 6);
  });

  it('body mode centres on the hips and divides by the torso length', () => {
    const lms = (t: number): Landmark[] =>
      Array.from({ length: 33 }, (_, i): Landmark => {
        if (i === 11 || i === 12) return [0.4 + 0.05 * t, 0.3, 0, 1];
        if (i === 23 || i === 24) return [0.4 + 0.05 * t, 0.5, 0, 1];
        return [0.6 + 0.05 * t, 0.5, 0, 1];
      });
    const frames: PoseFrame[] = Array.from({ length: 60 }, (_, i) => ({ t: i / 30, landmarks: lms(i / 30), aspect: 1 }));
    const c: InputContract = { ...seedContract, landmarks: ['left_shoulder', 'left_hip', 'left_knee'], channels: ['x', 'y'], normalization: { mode: 'body' }, aspectCorrected: true };
    const w = buildFeatureWindow(c, frames);
    // Torso 0.2 → shoulder sits 1 torso above the hips; the knee 1 torso to the right.
    const mid = 15 * 6;
    expect(w?.[mid + 1]).toBeCloseTo(-1, 5);
    expect(w?.[mid + 3]).toBeCloseTo(0, 5);
    expect((w?.[mid + 4] ?? 0) - (w?.[mid + 2] ?? 0)).toBeCloseTo(1, 5);
  });

  it('pads a short history with the first frame once coverage is reached, and refuses below it', () => {
    const c = { ...seedContract, minCoverage: 0.5 };
    expect(buildFeatureWindow(c, stream(30, 0.6))).toBeNull();
    const w = buildFeatureWindow(c, stream(30, 1.2));
    expect(w).not.toBeNull();
    expect(w?.[0]).toBeCloseTo(w?.[36] ?? NaN, 6);
  });

  it('uses only the stretch after a long gap (the person left) and nothing when absent', () => {
    const after = stream(30, 2).map((f) => ({ ...f, t: f.t + 5 }));
    const frames = [...stream(30, 2), ...after];
    const c = { ...seedContract, minCoverage: 0.5 };
    // 1.5 s back after the gap: the window is built from the new stretch alone.
    expect(buildFeatureWindow(c, frames.slice(0, 105))).toEqual(buildFeatureWindow(c, after.slice(0, 45)));
    // 0.33 s back: not enough, and the stretch before the gap does not fill in.
    expect(buildFeatureWindow(c, frames.slice(0, 70))).toBeNull();
    const absent = stream(30, 3).map((f, i) => (i > 40 ? { ...f, landmarks: null } : f));
    expect(buildFeatureWindow(c, absent)).toBeNull();
  });

  it('hides joints out of the picture: both of a pair below minVisibility read as the hip centre', () => {
    const legs = ['left_knee', 'right_knee', 'left_ankle', 'right_ankle'] as const;
    const body: InputContract = { ...seedContract, normalization: { mode: 'body' }, hidden: { landmarks: [...legs], minVisibility: 0.5 } };
    // Frames 0–44 framed at the waist (both knees and ankles guessed, visibility 0.2); after that the
    // left knee comes into view (0.9), so the knee pair is no longer hidden, the ankles still are.
    const frames = stream(30, 3).map((f, i): PoseFrame => {
      const lms = (f.landmarks ?? []).map((l, j): Landmark => (j >= 25 && j <= 28 ? [l[0], l[1], l[2], j === 25 && i >= 45 ? 0.9 : 0.2] : l));
      return { ...f, landmarks: lms };
    });
    const w = buildFeatureWindow(body, frames);
    const plain = buildFeatureWindow({ ...body, hidden: undefined }, frames);
    expect(w && plain).toBeTruthy();
    const at = (win: Float32Array | null, sample: number, k: number, c: number) => win?.[sample * 36 + 3 * k + c] ?? NaN;
    // Contract order: knees are k = 8, 9; ankles k = 10, 11; the hips (k = 6) are never hidden.
    for (const c of [0, 1, 2]) {
      expect(at(w, 0, 8, c)).toBe(0);
      expect(at(w, 0, 11, c)).toBe(0);
      expect(at(w, 29, 10, c)).toBe(0);
      expect(at(w, 29, 9, c)).toBeCloseTo(at(plain, 29, 9, c), 6);
      expect(at(w, 29, 6, c)).toBeCloseTo(at(plain, 29, 6, c), 6);
    }
    expect(at(plain, 0, 8, 0)).not.toBeCloseTo(0, 2);
    // The raw modes zero them before normalising, so guessed joints cannot set the max-abs scale.
    const far = frames.map((f): PoseFrame => ({ ...f, landmarks: (f.landmarks ?? []).map((l, j): Landmark => (j === 27 || j === 28 ? [5, l[1], l[2], l[3]] : l)) }));
    const maxAbs = buildFeatureWindow({ ...seedContract, normalization: { mode: 'max-abs' }, hidden: { landmarks: [...legs], minVisibility: 0.5 } }, far);
    expect(Math.max(...Array.from(maxAbs ?? [], Math.abs))).toBeCloseTo(1, 6);
    expect(maxAbs?.[29 * 36 + 3 * 10]).toBe(0);
    // The largest value left is the right knee's x in the last sample (its partner is in view).
    expect(maxAbs?.[29 * 36 + 3 * 9]).toBeCloseTo(1, 6);
  });

  it('FeatureWindowBuffer keeps a bounded history and restarts when time goes backwards', () => {
    const buf = new FeatureWindowBuffer(seedContract);
    for (const f of stream(30, 20)) buf.push(f);
    expect(buf.window()).not.toBeNull();
    buf.push(frame(0));
    expect(buf.window()).toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/infer/backend.ts';
import { PoseEstimator } from '../../../src/infer/pose-estimator.ts';
import type { Landmark } from '../../../src/infer/pose-types.ts';
import { clipPath, HAS_SHARED, rawFrames } from '../../helpers/shared.ts';

const W = 640;
const H = 360;
// BlazePose landmark indices (MediaPipe order).
const NOSE = 0, L_HIP = 23, R_HIP = 24, L_KNEE = 25, R_KNEE = 26, L_ANKLE = 27, R_ANKLE = 28;

describe('pose estimator (BlazePose lite, wasm)', () => {
  let smoothed: PoseEstimator;
  let raw: PoseEstimator;

  beforeAll(async () => {
    await selectBackend('wasm');
    smoothed = await PoseEstimator.load({ modelType: 'lite', smoothing: true });
    raw = await PoseEstimator.load({ modelType: 'lite', smoothing: false });
  });
  afterAll(() => {
    smoothed?.dispose();
    raw?.dispose();
  });

  it('warms the landmark model up in blocks until steady or out of time, and keeps no stream', async () => {
    // A budget shorter than one block: exactly one block of 10 calls runs.
    const short = await raw.warmUp(1);
    expect(short).not.toBeNull();
    expect(short!.calls).toBe(10);
    expect(short!.firstBlockMs).toBe(short!.lastBlockMs);
    // A long budget: at least three blocks, stopped once a block is not 3 % faster than the one before.
    const long = await raw.warmUp(60_000);
    expect(long!.calls).toBeGreaterThanOrEqual(30);
    expect(long!.calls % 10).toBe(0);
    expect(long!.elapsedMs).toBeLessThan(60_000);
    expect(raw.streamCount).toBe(0);
  });

  it('finds nobody in an empty grey frame', async () => {
    const grey = new Uint8Array(W * H * 3).fill(128);
    const result = await raw.estimate('empty', grey, W, H, 0);
    expect(result.landmarks).toBeNull();
  });

  it.skipIf(!HAS_SHARED)('gives an upright skeleton on a standing clip, with z in image-width units', async () => {
    // squat2: a person standing and squatting, front view.
    const frames = rawFrames(clipPath('clips/MrPose/squat2_552dddf.mp4'), 8, 10, W, H);
    expect(frames.length).toBe(10);
    let first: Landmark[] | null = null;
    for (const [i, frame] of frames.entries()) {
      const result = await smoothed.estimate('clip', frame, W, H, i * 33);
      const lm = result.landmarks;
      expect(lm).not.toBeNull();
      if (!lm) return;
      first ??= lm;
      expect(lm).toHaveLength(33);
      const y = (k: number): number => lm[k]![1];
      expect(y(NOSE)).toBeLessThan(Math.min(y(L_HIP), y(R_HIP)));
      expect(y(L_ANKLE)).toBeGreaterThan(y(L_KNEE));
      expect(y(R_ANKLE)).toBeGreaterThan(y(R_KNEE));
      for (const [x, yy, z, v] of lm) {
        expect(Number.isFinite(x + yy + z + v)).toBe(true);
        // Normalised: z must not carry the library's double width scaling (|z| would be ~10^5).
        expect(Math.abs(z)).toBeLessThan(3);
      }
    }
    // Without smoothing the library scales z once; on the first frame (no filter history) both agree.
    const unsmoothed = (await raw.estimate('clip', frames[0]!, W, H, 0)).landmarks!;
    const zs = first!.map((l) => l[2]);
    const zr = unsmoothed.map((l) => l[2]);
    const maxDiff = Math.max(...zs.map((z, i) => Math.abs(z - zr[i]!)));
    expect(maxDiff).toBeLessThan(0.05);
    expect(Math.max(...zr.map(Math.abs))).toBeGreaterThan(0.01);
  });

  it.skipIf(!HAS_SHARED)('keeps per-stream state apart', async () => {
    const frames = rawFrames(clipPath('clips/MrPose/squat2_552dddf.mp4'), 8, 2, W, H);
    const a = await smoothed.estimate('a', frames[0]!, W, H, 0);
    const b = await smoothed.estimate('b', frames[0]!, W, H, 0);
    expect(smoothed.streamCount).toBeGreaterThanOrEqual(2);
    expect(a.landmarks?.[NOSE]?.[0]).toBeCloseTo(b.landmarks?.[NOSE]?.[0] ?? NaN, 3);
    smoothed.releaseStream('a');
    smoothed.releaseStream('b');
  });
});

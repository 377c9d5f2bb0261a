/**
 * The micro-batched landmark path (the GPU configuration) run on the CPU: three streams' frames go
 * through one estimator concurrently, their landmark crops share model calls, and every stream
 * gets the same landmarks as when each frame runs alone. Skipped when ../shared is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { selectBackend } from '../../../src/infer/backend.ts';
import { PoseEstimator } from '../../../src/infer/pose-estimator.ts';
import { connectWs } from '../../helpers/clients.ts';
import { startServer } from '../../helpers/server.ts';
import { clipPath, HAS_SHARED, jpegFrames, rawFrames } from '../../helpers/shared.ts';

const W = 640;
const H = 360;
const N = 6;

describe.skipIf(!HAS_SHARED)('landmark micro-batching across streams (wasm)', () => {
  let batched: PoseEstimator;
  let alone: PoseEstimator;
  const sizes: number[] = [];

  beforeAll(async () => {
    await selectBackend('wasm');
    batched = await PoseEstimator.load({
      modelType: 'lite',
      smoothing: true,
      batch: { maxBatch: 4, maxWaitMs: 50, onBatch: (n) => sizes.push(n) },
    });
    alone = await PoseEstimator.load({ modelType: 'lite', smoothing: true });
  });
  afterAll(() => {
    batched?.dispose();
    alone?.dispose();
  });

  it('gives every stream the landmarks it gets unbatched, from shared model calls', async () => {
    const streams = {
      a: rawFrames(clipPath('clips/MrPose/squat2_552dddf.mp4'), 8, N, W, H),
      b: rawFrames(clipPath('clips/MrPose/pushup_3a13668.mp4'), 4, N, W, H),
      c: rawFrames(clipPath('clips/MrPose/squat2_552dddf.mp4'), 14, N, W, H),
    };
    let compared = 0;
    for (let i = 0; i < N; i++) {
      const entries = Object.entries(streams);
      // Batched: all streams' frame i at once (their crops meet in the batcher).
      const together = await Promise.all(entries.map(([id, frames]) => batched.estimate(id, frames[i]!.slice(), W, H, i * 33)));
      for (const [k, [id, frames]] of entries.entries()) {
        const single = await alone.estimate(id, frames[i]!.slice(), W, H, i * 33);
        const got = together[k]!.landmarks;
        const want = single.landmarks;
        expect(got === null).toBe(want === null);
        if (!got || !want) continue;
        for (let j = 0; j < 33; j++) {
          expect(Math.abs(got[j]![0] - want[j]![0])).toBeLessThan(2e-3);
          expect(Math.abs(got[j]![1] - want[j]![1])).toBeLessThan(2e-3);
          expect(Math.abs(got[j]![2] - want[j]![2])).toBeLessThan(2e-2);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(2 * N);
    // The landmark step ran in shared calls: some batches held more than one stream's crop.
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    const crops = sizes.reduce((a, b) => a + b, 0);
    expect(crops).toBeGreaterThanOrEqual(compared);
    expect(sizes.length).toBeLessThan(crops);
  });
});

describe.skipIf(!HAS_SHARED)("our per-frame driver against pose-detection's own estimatePoses", () => {
  let reference: PoseEstimator;
  let ours: PoseEstimator;
  beforeAll(async () => {
    await selectBackend('wasm');
    reference = await PoseEstimator.load({ modelType: 'lite', smoothing: true, referencePipeline: true });
    ours = await PoseEstimator.load({ modelType: 'lite', smoothing: true });
  });
  afterAll(() => {
    reference?.dispose();
    ours?.dispose();
  });

  const gap = (a: readonly number[], b: readonly number[]) => Math.hypot((a[0]! - b[0]!) * W, (a[1]! - b[1]!) * H);

  it('gives the same landmarks (x, y, z, visibility) when every frame starts from the person detector', async () => {
    let compared = 0;
    for (const [i, f] of rawFrames(clipPath('clips/MrPose/pushup_3a13668.mp4'), 4, 8, W, H).entries()) {
      reference.resetStream('p');
      ours.resetStream('p');
      const want = (await reference.estimate('p', f.slice(), W, H, i * 33)).landmarks;
      const got = (await ours.estimate('p', f.slice(), W, H, i * 33)).landmarks;
      expect(got === null).toBe(want === null);
      if (!got || !want) continue;
      for (let j = 0; j < 33; j++) {
        expect(gap(got[j]!, want[j]!)).toBeLessThan(0.05);
        expect(Math.abs(got[j]![2] - want[j]![2])).toBeLessThan(1e-3);
        expect(Math.abs(got[j]![3] - want[j]![3])).toBeLessThan(1e-3);
      }
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(6);
  });

  it('tracks a clip as pose-detection does (float rounding of the crop only nudges the tracked region)', async () => {
    const gaps: number[] = [];
    for (const [i, f] of rawFrames(clipPath('clips/MrPose/squat2_552dddf.mp4'), 8, 30, W, H).entries()) {
      const want = (await reference.estimate('s', f.slice(), W, H, i * 33)).landmarks;
      const got = (await ours.estimate('s', f.slice(), W, H, i * 33)).landmarks;
      expect(got === null).toBe(want === null);
      if (got && want) for (let j = 0; j < 33; j++) gaps.push(gap(got[j]!, want[j]!));
    }
    gaps.sort((x, y) => x - y);
    expect(gaps.length).toBeGreaterThan(25 * 33);
    // Measured: median 0.00 px, p99 1.7 px, max 6.4 px at 640 px wide.
    expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThan(0.5);
    expect(gaps[Math.floor(gaps.length * 0.99)]).toBeLessThan(8);
  });
});

describe.skipIf(!HAS_SHARED)('lean landmark outputs (no heatmap refinement, no world landmarks)', () => {
  it('stay within a few pixels of pose-detection\'s refined landmarks on real frames', async () => {
    await selectBackend('wasm');
    const refined = await PoseEstimator.load({ modelType: 'lite', smoothing: false });
    const lean = await PoseEstimator.load({ modelType: 'lite', smoothing: false, refine: false });
    const gaps: number[] = [];
    try {
      for (const [clip, start] of [
        ['clips/MrPose/squat2_552dddf.mp4', 8],
        ['clips/MrPose/pushup_3a13668.mp4', 4],
      ] as const) {
        for (const [i, f] of rawFrames(clipPath(clip), start, 12, W, H).entries()) {
          const a = (await refined.estimate(clip, f.slice(), W, H, i * 33)).landmarks;
          const b = (await lean.estimate(clip, f.slice(), W, H, i * 33)).landmarks;
          expect(b === null).toBe(a === null);
          if (!a || !b) continue;
          for (let j = 0; j < 33; j++) {
            if (a[j]![3] < 0.5) continue;
            gaps.push(Math.hypot((a[j]![0] - b[j]![0]) * W, (a[j]![1] - b[j]![1]) * H));
            expect(Math.abs(a[j]![3] - b[j]![3])).toBeLessThan(0.1);
          }
        }
      }
    } finally {
      refined.dispose();
      lean.dispose();
    }
    gaps.sort((x, y) => x - y);
    expect(gaps.length).toBeGreaterThan(200);
    // Measured: median 2.9 px, p90 7.8 px at 640 px wide (the refinement nudges, it does not move joints).
    expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThan(6);
    expect(gaps[Math.floor(gaps.length * 0.9)]).toBeLessThan(15);
  });
});

describe.skipIf(!HAS_SHARED)('landmark micro-batching in the server (one worker, POSE_BATCH_MAX=4)', () => {
  let app: App | undefined;
  afterAll(async () => {
    await app?.close();
  });

  it('serves several sessions at once from one batching worker, each with its own landmarks', async () => {
    app = await startServer({ poseWorkers: 1, poseBatchMax: 4, poseBatchWaitMs: 20 });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^workout_pose_landmark_batch_max 4$/m);
    const clips = [
      jpegFrames(clipPath('clips/MrPose/squat2_552dddf.mp4'), 8, 4),
      jpegFrames(clipPath('clips/MrPose/pushup_3a13668.mp4'), 4, 4),
      jpegFrames(clipPath('clips/MrPose/squat2_552dddf.mp4'), 14, 4),
    ];
    const clients = await Promise.all(clips.map(() => connectWs(app!.url)));
    await Promise.all(clients.map((c) => c.log.waitFor((m) => m.type === 'system')));
    for (let i = 0; i < 4; i++) {
      const from = clients.map((c) => c.log.messages.length);
      clients.forEach((c, k) => c.send({ type: 'frame', payload: clips[k]![i]! }));
      const results = await Promise.all(clients.map((c, k) => c.log.waitFor((m) => m.type === 'workout' || m.type === 'error', 20_000, from[k])));
      for (const r of results) {
        expect(r.type).toBe('workout');
        if (r.type === 'workout') expect(r.payload.landmarks).toHaveLength(33);
      }
    }
    for (const c of clients) c.ws.close();
  });
});

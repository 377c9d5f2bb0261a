/**
 * The window-gathering heatmap refinement gives exactly what pose-detection's
 * refineLandmarksFromHeatmap gives (which reads the whole heatmap back), for landmarks inside the
 * heatmap, at its edges, outside it, and in the row range its bounds check lets through.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { refineLandmarksFromHeatmap } from '@tensorflow-models/pose-detection/dist/shared/calculators/refine_landmarks_from_heatmap.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { refineFromHeatmap, type HeatmapLandmark } from '../../../src/infer/heatmap-refine.ts';

const CONFIG = { kernelSize: 7, minConfidenceToRefine: 0.5 };

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('refineFromHeatmap', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('equals pose-detection on a 64×64×39 heatmap, including edge and out-of-range landmarks', async () => {
    const rnd = lcg(7);
    const n = 39;
    const values = new Float32Array(64 * 64 * n);
    for (let i = 0; i < values.length; i++) values[i] = rnd() ** 3;
    const heatmap = tf.tensor4d(values, [1, 64, 64, n]);
    const landmarks: HeatmapLandmark[] = Array.from({ length: n }, () => ({
      x: rnd(),
      y: rnd(),
      z: rnd(),
      score: rnd(),
    }));
    // Corners, edges, outside, and rows below the map with an in-range column (the original's check
    // compares the column with the height, so these still refine from the last rows).
    const special: [number, number][] = [
      [0, 0],
      [0.999, 0.999],
      [0.02, 0.5],
      [0.5, 0.01],
      [-0.1, 0.5],
      [1.2, 0.5],
      [0.5, -0.2],
      [0.3, 1.02],
      [0.3, 1.05],
      [0.5, 1.5],
    ];
    special.forEach(([x, y], i) => Object.assign(landmarks[i]!, { x, y }));
    // A window with weak confidence everywhere stays unrefined.
    const weak = landmarks[20]!;
    weak.x = 0.5;
    weak.y = 0.5;
    const buf = heatmap.bufferSync();
    for (let r = 29; r <= 35; r++) for (let c = 29; c <= 35; c++) buf.set(0.1, 0, r, c, 20);
    const weakMap = buf.toTensor();

    const want = await refineLandmarksFromHeatmap(
      landmarks.map((l) => ({ ...l })),
      weakMap,
      CONFIG,
    );
    const got = await refineFromHeatmap(landmarks, weakMap, CONFIG);
    expect(got).toEqual(want);
    // The case matters: some landmarks moved, some did not.
    const moved = got.filter((g, i) => g.x !== landmarks[i]!.x).length;
    expect(moved).toBeGreaterThan(20);
    expect(moved).toBeLessThan(n);
    expect(got[20]).toEqual(landmarks[20]);
    tf.dispose([heatmap, weakMap]);
  });

  it('does not modify its input and names a channel mismatch', async () => {
    const heatmap = tf.ones([1, 8, 8, 2]);
    const input = [
      { x: 0.5, y: 0.5 },
      { x: 0.1, y: 0.9 },
    ];
    const copy = structuredClone(input);
    await refineFromHeatmap(input, heatmap, CONFIG);
    expect(input).toEqual(copy);
    await expect(refineFromHeatmap([{ x: 0.5, y: 0.5 }], heatmap, CONFIG)).rejects.toThrow(
      /same number of channels/,
    );
    heatmap.dispose();
  });
});

/**
 * The landmark crop sampled in JavaScript, and the one sampled by the wasm SIMD kernel, equal the
 * one pose-detection cuts with tfjs ops (convertImageToTensor: tf.image.transform, bilinear, zero
 * border, values scaled to [0, 1]) for rotated regions, regions reaching past the image's edges and
 * odd frame sizes; the two samplers agree with each other on random regions and sizes.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { convertImageToTensor } from '@tensorflow-models/pose-detection/dist/shared/calculators/convert_image_to_tensor.js';
import { BLAZEPOSE_LANDMARK_IMAGE_TO_TENSOR_CONFIG } from '@tensorflow-models/pose-detection/dist/blazepose_tfjs/constants.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { cropRoi, RoiCropper, type NormalizedRect } from '../../../src/infer/roi-crop.ts';

function randomImage(width: number, height: number, seed: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < rgb.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    rgb[i] = s >>> 24;
  }
  return rgb;
}

function tfjsCrop(
  rgb: Uint8Array,
  width: number,
  height: number,
  roi: NormalizedRect,
): { values: Float32Array; padding: object; matrix: number[][] } {
  const image = tf.tensor3d(Float32Array.from(rgb), [height, width, 3]);
  const { imageTensor, padding, transformationMatrix } = convertImageToTensor(
    image,
    BLAZEPOSE_LANDMARK_IMAGE_TO_TENSOR_CONFIG,
    { ...roi },
  );
  const values = imageTensor.dataSync() as Float32Array;
  tf.dispose([image, imageTensor]);
  return { values, padding, matrix: transformationMatrix };
}

describe('cropRoi', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const cases: [string, number, number, NormalizedRect][] = [
    ['centred, upright', 64, 48, { xCenter: 0.5, yCenter: 0.5, width: 0.5, height: 0.8, rotation: 0 }],
    ['rotated', 80, 45, { xCenter: 0.45, yCenter: 0.55, width: 0.4, height: 0.7, rotation: 0.6 }],
    [
      'past the edges (zero border)',
      50,
      70,
      { xCenter: 0.15, yCenter: 0.9, width: 0.9, height: 1.3, rotation: -0.3 },
    ],
    [
      'wider than tall (padded top and bottom)',
      61,
      37,
      { xCenter: 0.5, yCenter: 0.4, width: 0.9, height: 0.3, rotation: 0 },
    ],
  ];

  for (const [name, width, height, roi] of cases) {
    it(`matches pose-detection's tfjs crop: ${name}`, () => {
      const rgb = randomImage(width, height, width * 31 + height);
      const want = tfjsCrop(rgb, width, height, roi);
      const got = new Float32Array(256 * 256 * 3).fill(-1);
      const geometry = cropRoi({ rgb, width, height }, { ...roi }, 256, got);
      let maxDiff = 0;
      let zeros = 0;
      let min = Infinity;
      for (let i = 0; i < got.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want.values[i]!));
        if (got[i] === 0) zeros++;
        min = Math.min(min, got[i]!);
      }
      expect(maxDiff).toBeLessThan(1e-4);
      expect(geometry.padding).toEqual(want.padding);
      expect(geometry.transformationMatrix).toEqual(want.matrix);
      // Every value was written (the buffer held -1 before), and the border cases do reach outside.
      expect(min).toBeGreaterThanOrEqual(0);
      if (name.startsWith('past')) expect(zeros).toBeGreaterThan(1000);

      const cropper = RoiCropper.create('wasm-simd');
      expect(cropper.sampler).toBe('wasm-simd');
      const wasm = cropper.crop({ rgb, width, height }, { ...roi }, 256);
      expect(wasm.values.length).toBe(256 * 256 * 3);
      expect(wasm.padding).toEqual(want.padding);
      expect(wasm.transformationMatrix).toEqual(want.matrix);
      let wasmDiff = 0;
      for (let i = 0; i < wasm.values.length; i++) wasmDiff = Math.max(wasmDiff, Math.abs(wasm.values[i]! - want.values[i]!));
      expect(wasmDiff).toBeLessThan(1e-4);
    });
  }

  it('wasm SIMD and JavaScript samplers agree on random regions, frame sizes and crop sizes', () => {
    let s = 7;
    const rand = (): number => {
      s = (s * 1103515245 + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const wasm = RoiCropper.create('wasm-simd');
    const js = RoiCropper.create('js');
    expect(js.sampler).toBe('js');
    // Crop sizes that are not multiples of 4 exercise the kernel's per-pixel tail; frames of a few
    // pixels put nearly every sample on the bounds-checked path; far-away regions are all zeros.
    const shapes: [number, number, number][] = [[640, 360, 256], [33, 17, 255], [5, 3, 37], [64, 64, 6], [2, 2, 9]];
    let compared = 0;
    for (const [width, height, size] of shapes) {
      const rgb = randomImage(width, height, width + height + size);
      for (let k = 0; k < 12; k++) {
        const roi: NormalizedRect = {
          xCenter: k === 11 ? 5 : -0.3 + 1.6 * rand(),
          yCenter: -0.3 + 1.6 * rand(),
          width: 0.05 + 1.5 * rand(),
          height: 0.05 + 1.5 * rand(),
          rotation: (rand() - 0.5) * 2 * Math.PI,
        };
        const a = wasm.crop({ rgb, width, height }, { ...roi }, size);
        const b = js.crop({ rgb, width, height }, { ...roi }, size);
        expect(a.values.length).toBe(size * size * 3);
        let diff = 0;
        for (let i = 0; i < a.values.length; i++) diff = Math.max(diff, Math.abs(a.values[i]! - b.values[i]!));
        expect(diff, `${width}x${height} → ${size}: ${JSON.stringify(roi)}`).toBeLessThan(1e-5);
        if (k === 11) expect(a.values.every((v) => v === 0)).toBe(true);
        compared++;
      }
    }
    expect(compared).toBe(60);
  });

  it('wasm SIMD: a frame larger than the kernel memory grows it', () => {
    const cropper = RoiCropper.create('wasm-simd');
    const roi = { xCenter: 0.5, yCenter: 0.5, width: 0.5, height: 0.5, rotation: 0.1 };
    const small = cropper.crop({ rgb: new Uint8Array(8 * 8 * 3).fill(255), width: 8, height: 8 }, roi, 16);
    expect(small.values[16 * 8 * 3 + 8 * 3]).toBeCloseTo(1, 6);
    const width = 1920;
    const height = 1080;
    const rgb = randomImage(width, height, 3);
    const big = cropper.crop({ rgb, width, height }, { ...roi }, 256);
    const want = new Float32Array(256 * 256 * 3);
    cropRoi({ rgb, width, height }, { ...roi }, 256, want);
    let diff = 0;
    for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(big.values[i]! - want[i]!));
    expect(diff).toBeLessThan(1e-5);
  });

  it('refuses a frame or an output buffer that is too small', () => {
    const roi = { xCenter: 0.5, yCenter: 0.5, width: 0.5, height: 0.5, rotation: 0 };
    expect(() =>
      cropRoi({ rgb: new Uint8Array(10), width: 8, height: 8 }, roi, 256, new Float32Array(256 * 256 * 3)),
    ).toThrow(/needs 192/);
    expect(() =>
      cropRoi({ rgb: new Uint8Array(192), width: 8, height: 8 }, roi, 256, new Float32Array(100)),
    ).toThrow(/crop buffer/);
    expect(() => RoiCropper.create('wasm-simd').crop({ rgb: new Uint8Array(10), width: 8, height: 8 }, roi, 256)).toThrow(/needs 192/);
  });
});

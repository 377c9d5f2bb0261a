/**
 * BlazePose's landmark crop (the region of interest, rotated and letterboxed into 256×256, values
 * in [0, 1]) computed straight from the decoded RGB frame.
 *
 * pose-detection builds the same crop with tfjs ops: it uploads the whole frame as a float tensor,
 * then runs `tf.image.transform` (bilinear, zero border) and a scale. On the wasm backend that
 * costs about a fifth of the landmark model itself for every frame (measured: upload ~3 ms, crop
 * ~10 ms against ~43 ms of model), while sampling 256×256 points here costs ~0.9 ms in JavaScript and
 * ~0.4 ms in wasm SIMD (wasm/roi-crop.wat), and needs no full-frame upload at all while the person
 * is tracked. The geometry (ROI, letterbox padding, projective matrix) comes from pose-detection's
 * own calculators, and the sampling follows the Transform kernel's rule exactly (integer output
 * coordinates, the four neighbours read one by one with 0 outside the image), so the crop is the
 * one pose-detection would feed the model; tests compare the three.
 */
import { getRotatedSubRectToRectTransformMatrix } from '@tensorflow-models/pose-detection/dist/shared/calculators/get_rotated_sub_rect_to_rect_transformation_matrix.js';
import {
  getProjectiveTransformMatrix,
  getRoi,
  padRoi,
} from '@tensorflow-models/pose-detection/dist/shared/calculators/image_utils.js';
import { WASM_BASE64 } from './wasm/roi-crop-wasm.ts';

export interface RgbImage {
  /** Packed RGB, row-major, 3 bytes per pixel (at least width × height × 3 bytes). */
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** pose-detection's normalised, rotated rectangle (`Rect` in its calculators). */
export interface NormalizedRect {
  xCenter: number;
  yCenter: number;
  width: number;
  height: number;
  rotation?: number;
}

export interface Padding {
  top: number;
  left: number;
  right: number;
  bottom: number;
}

export interface CropGeometry {
  /** Letterbox padding as shares of the output, as pose-detection's decoder expects it. */
  padding: Padding;
  /** 4×4 matrix from the crop's normalised coordinates to the image's. */
  transformationMatrix: number[][];
}

/**
 * Samples `roi` of `image` into `out` (size × size × 3 float32, [0, 1]) and returns the geometry
 * needed to project landmarks back. `out` is overwritten entirely.
 */
export function cropRoi(image: RgbImage, roi: NormalizedRect, size: number, out: Float32Array): CropGeometry {
  if (out.length < size * size * 3)
    throw new RangeError(
      `crop buffer holds ${out.length} values, ${size}×${size}×3 needs ${size * size * 3}`,
    );
  const { padding, transformationMatrix, m } = cropGeometry(image, roi, size);
  sampleBilinear(image.rgb, image.width, image.height, m, size, out);
  return { padding, transformationMatrix };
}

/** The crop's geometry and its sampling matrix M: output pixel (x, y) reads the image at (M[0] x + M[1] y + M[2], M[3] x + M[4] y + M[5]). */
function cropGeometry(image: RgbImage, roi: NormalizedRect, size: number): CropGeometry & { m: number[] } {
  const { width, height, rgb } = image;
  if (rgb.length < width * height * 3)
    throw new RangeError(
      `frame holds ${rgb.length} bytes, ${width}x${height} RGB needs ${width * height * 3}`,
    );
  const imageSize = { width, height };
  const outputSize = { width: size, height: size };
  const rect = getRoi(imageSize, roi);
  const padding = padRoi(rect, outputSize, true);
  const transformationMatrix = getRotatedSubRectToRectTransformMatrix(rect, width, height, false);
  const m = getProjectiveTransformMatrix(transformationMatrix, imageSize, outputSize);
  return { padding, transformationMatrix, m };
}

/** Which implementation samples the crop. */
export type CropSampler = 'wasm-simd' | 'js';

/**
 * Samples crops with the wasm SIMD kernel when the runtime has wasm SIMD (Node ≥ 16.4 does), else
 * with cropRoi's JavaScript. The values it returns live in the kernel's memory and stay valid until
 * the next call: copy them (or hand them to a backend that copies on write, as tfjs' wasm backend
 * does) before cropping again.
 */
export class RoiCropper {
  private constructor(
    readonly sampler: CropSampler,
    private readonly kernel: WasmCropKernel | null,
    private jsOut: Float32Array,
  ) {}

  static create(prefer: CropSampler = 'wasm-simd'): RoiCropper {
    const kernel = prefer === 'wasm-simd' ? WasmCropKernel.create() : null;
    return new RoiCropper(kernel ? 'wasm-simd' : 'js', kernel, new Float32Array(0));
  }

  crop(image: RgbImage, roi: NormalizedRect, size: number): CropGeometry & { values: Float32Array } {
    if (this.kernel === null) {
      if (this.jsOut.length !== size * size * 3) this.jsOut = new Float32Array(size * size * 3);
      return { ...cropRoi(image, roi, size, this.jsOut), values: this.jsOut };
    }
    const { padding, transformationMatrix, m } = cropGeometry(image, roi, size);
    return { padding, transformationMatrix, values: this.kernel.sample(image, m, size) };
  }
}

let wasmModule: WebAssembly.Module | null | undefined;

/** The kernel's own scratch block at the start of its memory. */
const SCRATCH_BYTES = 64;

/** The wasm/roi-crop.wat kernel in its own memory: [scratch][frame RGB + spare bytes][crop floats + 1 spare]. */
class WasmCropKernel {
  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly run: (...args: number[]) => void,
  ) {}

  /** null when this runtime cannot compile the kernel (no wasm SIMD). */
  static create(): WasmCropKernel | null {
    if (wasmModule === undefined) {
      const bytes = Buffer.from(WASM_BASE64, 'base64');
      wasmModule = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    }
    if (wasmModule === null) return null;
    const { exports } = new WebAssembly.Instance(wasmModule, {});
    return new WasmCropKernel(exports.memory as WebAssembly.Memory, exports.crop as (...args: number[]) => void);
  }

  sample(image: RgbImage, m: readonly number[], size: number): Float32Array {
    const { width, height, rgb } = image;
    const [a0 = 0, a1 = 0, a2 = 0, b0 = 0, b1 = 0, b2 = 0] = m;
    const frameBytes = width * height * 3;
    const outOffset = align16(SCRATCH_BYTES + frameBytes + 16);
    const outFloats = size * size * 3;
    const needed = outOffset + (outFloats + 4) * 4;
    if (this.memory.buffer.byteLength < needed)
      this.memory.grow(Math.ceil((needed - this.memory.buffer.byteLength) / 65536));
    // Only the rows the crop reads travel into the kernel's memory: M is affine, so the rows lie
    // between the extreme corners' (plus the bilinear neighbour below).
    const ys = [b2, b0 * (size - 1) + b2, b1 * (size - 1) + b2, (b0 + b1) * (size - 1) + b2];
    const firstRow = Math.max(0, Math.floor(Math.min(...ys)));
    const lastRow = Math.min(height - 1, Math.floor(Math.max(...ys)) + 1);
    if (firstRow <= lastRow) {
      const begin = firstRow * width * 3;
      const end = (lastRow + 1) * width * 3;
      new Uint8Array(this.memory.buffer, SCRATCH_BYTES, frameBytes).set(rgb.subarray(begin, end), begin);
    }
    this.run(SCRATCH_BYTES, width, height, a0, a1, a2, b0, b1, b2, size, outOffset, 0);
    return new Float32Array(this.memory.buffer, outOffset, outFloats);
  }
}

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

/** out[y][x] = image(M · (x, y)) / 255, bilinear, 0 outside the image (M is affine: its projective terms are 0). */
function sampleBilinear(
  rgb: Uint8Array,
  width: number,
  height: number,
  m: readonly number[],
  size: number,
  out: Float32Array,
): void {
  const [a0 = 0, a1 = 0, a2 = 0, b0 = 0, b1 = 0, b2 = 0] = m;
  const stride = width * 3;
  const scale = 1 / 255;
  let o = 0;
  for (let y = 0; y < size; y++) {
    const rowX = a1 * y + a2;
    const rowY = b1 * y + b2;
    for (let x = 0; x < size; x++) {
      const sx = a0 * x + rowX;
      const sy = b0 * x + rowY;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) {
        out[o++] = 0;
        out[o++] = 0;
        out[o++] = 0;
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const p00 = y0 * stride + x0 * 3;
      const p10 = p00 + stride;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
        // All four neighbours inside (nearly every pixel of a tracked crop): no bounds tests, and
        // the same sums in the same order as the general case below.
        out[o++] = (w00 * rgb[p00]! + w01 * rgb[p00 + 3]! + w10 * rgb[p10]! + w11 * rgb[p10 + 3]!) * scale;
        out[o++] = (w00 * rgb[p00 + 1]! + w01 * rgb[p00 + 4]! + w10 * rgb[p10 + 1]! + w11 * rgb[p10 + 4]!) * scale;
        out[o++] = (w00 * rgb[p00 + 2]! + w01 * rgb[p00 + 5]! + w10 * rgb[p10 + 2]! + w11 * rgb[p10 + 5]!) * scale;
        continue;
      }
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 < width;
      const inY0 = y0 >= 0;
      const inY1 = y0 + 1 < height;
      for (let c = 0; c < 3; c++) {
        let v = 0;
        if (inY0) {
          if (inX0) v += w00 * rgb[p00 + c]!;
          if (inX1) v += w01 * rgb[p00 + 3 + c]!;
        }
        if (inY1) {
          if (inX0) v += w10 * rgb[p10 + c]!;
          if (inX1) v += w11 * rgb[p10 + 3 + c]!;
        }
        out[o++] = v * scale;
      }
    }
  }
}

import * as tf from '@tensorflow/tfjs-core';
import * as poseDetection from '@tensorflow-models/pose-detection';
import { join } from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { LandmarkStep, type LandmarkBatchOptions, type TrackingDetector } from './landmark-step.ts';
import { humanModelsDir, readModelArtifacts } from './model-files.ts';
import type { CropSampler } from './roi-crop.ts';
import type { Landmark, PoseModelType, PoseResult } from './pose-types.ts';

export interface PoseEstimatorOptions {
  modelType: PoseModelType;
  smoothing: boolean;
  modelsDir?: string;
  /**
   * Batch the landmark model across streams (GPU backends): concurrent estimate() calls of
   * different streams share one model call. Unset = every frame runs alone (the CPU default).
   */
  batch?: LandmarkBatchOptions;
  /**
   * pose-detection's heatmap refinement and world landmarks (default true: its pipeline untouched),
   * or lean outputs (landmarks + presence only; see landmark-step.ts).
   */
  refine?: boolean;
  /**
   * Run pose-detection's own `estimatePoses` (whole frame uploaded, crop by tfjs ops) instead of
   * our per-frame driver (crop sampled from the RGB frame; see landmark-step.ts). Kept as the
   * reference that tests and `npm run bench -- --ab` compare against; lean outputs and batching
   * need our driver.
   */
  referencePipeline?: boolean;
  /** How our driver samples the landmark crop (default: wasm SIMD where the runtime has it; see roi-crop.ts). */
  cropSampler?: CropSampler;
}

/** What a worker's start-up warm-up did (PoseEstimator.warmUp). */
export interface WarmupReport {
  /** Landmark model calls made. */
  calls: number;
  /** Median time per call in the first and the last block of calls, ms. */
  firstBlockMs: number;
  lastBlockMs: number;
  elapsedMs: number;
}

/** Warm-up: calls per block, the fewest blocks, and the speed-up below which a block counts as steady. */
const WARMUP_BLOCK_CALLS = 10;
const WARMUP_MIN_BLOCKS = 3;
const WARMUP_STEADY_TOLERANCE = 0.03;
const WARMUP_STREAM = 'warm-up';
/** The synthetic warm-up frame: the server's default WebRTC frame size. */
const WARMUP_WIDTH = 640;
const WARMUP_HEIGHT = 360;

type Detector = poseDetection.PoseDetector & {
  detectorModel: unknown;
  landmarkModel: unknown;
  anchorTensor: { x: tf.Tensor; y: tf.Tensor; w: tf.Tensor; h: tf.Tensor };
};
type DetectorConstructor = new (
  detectorModel: unknown,
  landmarkModel: unknown,
  enableSmoothing: boolean,
  enableSegmentation: boolean,
  smoothSegmentation: boolean,
  modelType: string,
) => Detector;

/**
 * BlazePose (detector + landmark model) from @tensorflow-models/pose-detection, on weights loaded
 * from memory. The models are loaded once; each stream gets its own detector instance over the same
 * models, because the pipeline keeps per-video state (region of interest, smoothing filters) in it.
 */
export class PoseEstimator {
  private readonly streams = new Map<string, Detector>();
  private readonly step: LandmarkStep | null;
  /**
   * The frame as float32 for the person detector (needed only while nobody is tracked), reused
   * from frame to frame: tf.tensor3d(uint8, 'int32') would allocate a 4-byte-per-value copy
   * (2.7 MB at 640×360) each time, which the garbage collector's threads then pay for. The tensor
   * is consumed before the next upload, so one buffer per estimator is enough.
   */
  private pixels = new Float32Array(0);

  private constructor(
    private readonly base: Detector,
    private readonly options: PoseEstimatorOptions,
  ) {
    const refine = options.refine ?? true;
    const batching = options.batch !== undefined && options.batch.maxBatch > 1;
    if (options.referencePipeline && (batching || !refine)) {
      throw new Error('the reference pipeline runs pose-detection untouched: lean outputs and batching need the default pipeline');
    }
    this.step = options.referencePipeline
      ? null
      : new LandmarkStep(base.landmarkModel as GraphModel, {
          refine,
          cropSampler: options.cropSampler ?? 'wasm-simd',
          ...(batching && options.batch ? { batch: options.batch } : {}),
        });
  }

  /** The crop sampler our driver runs; null for the reference pipeline (tfjs ops cut its crop). */
  get cropSampler(): CropSampler | null {
    return this.step?.cropSampler ?? null;
  }

  static async load(options: PoseEstimatorOptions): Promise<PoseEstimator> {
    const dir = options.modelsDir ?? humanModelsDir();
    const [detector, landmark] = await Promise.all([
      readModelArtifacts(join(dir, 'blazepose-detector.json')),
      readModelArtifacts(join(dir, `blazepose-${options.modelType}.json`)),
    ]);
    const base = (await poseDetection.createDetector(poseDetection.SupportedModels.BlazePose, {
      runtime: 'tfjs',
      modelType: options.modelType,
      enableSmoothing: options.smoothing,
      enableSegmentation: false,
      detectorModelUrl: tf.io.fromMemory(detector),
      landmarkModelUrl: tf.io.fromMemory(landmark),
    })) as Detector;
    return new PoseEstimator(base, options);
  }

  private detectorFor(streamId: string): Detector {
    let detector = this.streams.get(streamId);
    if (!detector) {
      // The class is not exported; its constructor only stores the models and builds anchor tensors.
      const Ctor = this.base.constructor as DetectorConstructor;
      detector = new Ctor(
        this.base.detectorModel,
        this.base.landmarkModel,
        this.options.smoothing,
        false,
        false,
        this.options.modelType,
      );
      this.streams.set(streamId, detector);
    }
    return detector;
  }

  /** Estimates the pose in one RGB frame of a stream; `timestampMs` drives the smoothing filters. */
  async estimate(streamId: string, rgb: Uint8Array, width: number, height: number, timestampMs: number): Promise<PoseResult> {
    const size = height * width * 3;
    if (rgb.length < size) throw new RangeError(`frame holds ${rgb.length} bytes, ${width}x${height} RGB needs ${size}`);
    const detector = this.detectorFor(streamId);
    const pose = this.step
      ? await this.step.trackPose(detector as unknown as TrackingDetector, { rgb, width, height }, timestampMs, () => this.upload(rgb, width, height))
      : await this.estimateReference(detector, rgb, width, height, timestampMs);
    if (!pose) return { landmarks: null, score: 0 };
    // pose-detection 2.1.3: with smoothing on, its normalisation step mutates the landmarks in place,
    // so z comes back multiplied by the image width twice instead of once.
    const zScale = this.options.smoothing ? width * width : width;
    const landmarks: Landmark[] = pose.keypoints.map((k) => [k.x / width, k.y / height, (k.z ?? 0) / zScale, k.score ?? 0]);
    return { landmarks, score: pose.score ?? 0 };
  }

  /**
   * Runs the per-frame landmark step (crop, landmark model, decoding) on a synthetic frame in blocks
   * of WARMUP_BLOCK_CALLS calls until a block's median time is no more than 3 % below the block
   * before (after at least WARMUP_MIN_BLOCKS blocks) or `budgetMs` has passed (checked between
   * blocks). V8 runs wasm as baseline code first and optimises the hot kernels in the background:
   * a fresh landmark model takes ~1.5× its steady time for its first ~30 calls, which without this
   * the first stream of a fresh server would pay (docs/performance.md). The region of interest is
   * set before each call, so the landmark model runs whatever the picture shows and the person
   * detector does not. Null for the reference pipeline (comparisons only).
   */
  async warmUp(budgetMs: number): Promise<WarmupReport | null> {
    const step = this.step;
    if (!step) return null;
    const width = WARMUP_WIDTH;
    const height = WARMUP_HEIGHT;
    const rgb = new Uint8Array(width * height * 3);
    // A fixed hash texture: the kernels' speed does not depend on the picture, only on its size.
    for (let i = 0; i < rgb.length; i++) rgb[i] = Math.imul(i, 2654435761) >>> 24;
    const detector = this.detectorFor(WARMUP_STREAM) as unknown as TrackingDetector;
    const blocks: number[] = [];
    const start = performance.now();
    let calls = 0;
    try {
      do {
        const times: number[] = [];
        for (let i = 0; i < WARMUP_BLOCK_CALLS; i++) {
          detector.regionOfInterest = { xCenter: 0.5, yCenter: 0.5, width: 0.5, height: 0.9, rotation: 0 };
          const t0 = performance.now();
          await step.trackPose(detector, { rgb, width, height }, calls * 33, () => this.upload(rgb, width, height));
          times.push(performance.now() - t0);
          calls++;
        }
        times.sort((a, b) => a - b);
        blocks.push(times[times.length >> 1]!);
        const n = blocks.length;
        if (n >= WARMUP_MIN_BLOCKS && blocks[n - 1]! >= blocks[n - 2]! * (1 - WARMUP_STEADY_TOLERANCE)) break;
      } while (performance.now() - start < budgetMs);
    } finally {
      this.releaseStream(WARMUP_STREAM);
    }
    return { calls, firstBlockMs: blocks[0]!, lastBlockMs: blocks[blocks.length - 1]!, elapsedMs: performance.now() - start };
  }

  private async estimateReference(detector: Detector, rgb: Uint8Array, width: number, height: number, timestampMs: number) {
    const image = this.upload(rgb, width, height);
    try {
      return (await detector.estimatePoses(image, { flipHorizontal: false }, timestampMs))[0] ?? null;
    } finally {
      image.dispose();
    }
  }

  private upload(rgb: Uint8Array, width: number, height: number): tf.Tensor3D {
    const size = height * width * 3;
    if (this.pixels.length !== size) this.pixels = new Float32Array(size);
    const pixels = this.pixels;
    for (let i = 0; i < size; i++) pixels[i] = rgb[i]!;
    return tf.tensor3d(pixels, [height, width, 3], 'float32');
  }

  /** Forgets a stream's tracking state (a new person, a camera cut, a reset). */
  resetStream(streamId: string): void {
    this.streams.get(streamId)?.reset();
  }

  /** Frees a stream's detector state; the shared models stay loaded. */
  releaseStream(streamId: string): void {
    const detector = this.streams.get(streamId);
    if (!detector) return;
    this.streams.delete(streamId);
    detector.reset();
    const a = detector.anchorTensor;
    tf.dispose([a.x, a.y, a.w, a.h]);
  }

  get streamCount(): number {
    return this.streams.size;
  }

  dispose(): void {
    this.step?.close();
    for (const id of [...this.streams.keys()]) this.releaseStream(id);
    this.base.dispose();
  }
}

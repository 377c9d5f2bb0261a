import * as tf from '@tensorflow/tfjs-core';
import * as poseDetection from '@tensorflow-models/pose-detection';
import { join } from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { LandmarkStep, type LandmarkBatchOptions, type TrackingDetector } from './landmark-step.ts';
import { humanModelsDir, readModelArtifacts } from './model-files.ts';
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
}

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
      : new LandmarkStep(base.landmarkModel as GraphModel, { refine, ...(batching && options.batch ? { batch: options.batch } : {}) });
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

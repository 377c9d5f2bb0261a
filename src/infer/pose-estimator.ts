import * as tf from '@tensorflow/tfjs-core';
import * as poseDetection from '@tensorflow-models/pose-detection';
import { join } from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { LandmarkStep, type LandmarkBatchOptions, type PatchableDetector } from './landmark-step.ts';
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
   * Upload frames through one reused float32 buffer (default). false = a fresh int32 copy per
   * frame, as tf.tensor3d(uint8, 'int32') does: kept only so `npm run bench -- --ab` can measure
   * what the reuse gains.
   */
  reuseInputBuffer?: boolean;
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
   * The frame as float32, reused from frame to frame. tf.tensor3d(uint8, 'int32') would allocate a
   * 4-byte-per-value copy (2.7 MB at 640×360) for every frame, and the garbage collector's threads
   * then cost about as much CPU as the model; the wasm backend copies values into its own heap at
   * once, so one buffer per estimator is enough. pose-detection casts the image to float32 anyway.
   */
  private pixels = new Float32Array(0);

  private constructor(
    private readonly base: Detector,
    private readonly options: PoseEstimatorOptions,
  ) {
    const refine = options.refine ?? true;
    const batching = options.batch !== undefined && options.batch.maxBatch > 1;
    this.step =
      batching || !refine
        ? new LandmarkStep(base.landmarkModel as GraphModel, { refine, ...(batching && options.batch ? { batch: options.batch } : {}) })
        : null;
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
      this.step?.attach(detector as unknown as PatchableDetector);
      this.streams.set(streamId, detector);
    }
    return detector;
  }

  /** Estimates the pose in one RGB frame of a stream; `timestampMs` drives the smoothing filters. */
  async estimate(streamId: string, rgb: Uint8Array, width: number, height: number, timestampMs: number): Promise<PoseResult> {
    const detector = this.detectorFor(streamId);
    const image = this.upload(rgb, width, height);
    let poses: poseDetection.Pose[];
    try {
      poses = await detector.estimatePoses(image, { flipHorizontal: false }, timestampMs);
    } finally {
      image.dispose();
    }
    const pose = poses[0];
    if (!pose) return { landmarks: null, score: 0 };
    // pose-detection 2.1.3: with smoothing on, its normalisation step mutates the landmarks in place,
    // so z comes back multiplied by the image width twice instead of once.
    const zScale = this.options.smoothing ? width * width : width;
    const landmarks: Landmark[] = pose.keypoints.map((k) => [k.x / width, k.y / height, (k.z ?? 0) / zScale, k.score ?? 0]);
    return { landmarks, score: pose.score ?? 0 };
  }

  private upload(rgb: Uint8Array, width: number, height: number): tf.Tensor3D {
    const size = height * width * 3;
    if (rgb.length < size) throw new RangeError(`frame holds ${rgb.length} bytes, ${width}x${height} RGB needs ${size}`);
    if (this.options.reuseInputBuffer === false) return tf.tensor3d(rgb.subarray(0, size), [height, width, 3], 'int32');
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

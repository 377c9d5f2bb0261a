/**
 * Our version of BlazePose's landmark step (256×256 crop → 33 landmarks), the expensive part of
 * every frame. pose-detection runs it as `landmarkModel.execute(crop, 4 outputs)` inside its
 * per-detector `poseLandmarksByRoi`. We replace that one method on each stream's detector with the
 * same steps in the same order (crop with pose-detection's own converter, decode with its own
 * functions, project with the detector's own method), changing two things, each optional:
 * - **lean outputs** (`refine: false`): ask the model for the landmarks and the presence flag only.
 *   The heatmap (used to nudge landmarks) and the world landmarks (metric 3D, which we never use)
 *   cost ~19 % of the model's time and a 640 KB read-back per frame. Landmarks then come straight
 *   from the regression output.
 * - **cross-session batching** (`batch.maxBatch` > 1): the model call goes through a MicroBatcher
 *   shared by every stream of the worker; crops of different sessions become one [N,256,256,3]
 *   execute, and each session gets its slice back (for GPUs: a synchronous call cannot wait for
 *   other sessions' crops, hence the async replacement).
 * Detection, ROI tracking and smoothing stay pose-detection's. Tests check that batched results
 * equal unbatched ones frame for frame, and that lean landmarks stay within a few pixels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
// Internal modules of pose-detection 2.1.3 (CommonJS, no "exports" map): the same code its detector uses.
import { convertImageToTensor } from '@tensorflow-models/pose-detection/dist/shared/calculators/convert_image_to_tensor.js';
import { getImageSize } from '@tensorflow-models/pose-detection/dist/shared/calculators/image_utils.js';
import { tensorsToLandmarks } from '@tensorflow-models/pose-detection/dist/shared/calculators/tensors_to_landmarks.js';
import {
  BLAZEPOSE_LANDMARK_IMAGE_TO_TENSOR_CONFIG,
  BLAZEPOSE_NUM_AUXILIARY_KEYPOINTS,
  BLAZEPOSE_NUM_KEYPOINTS,
  BLAZEPOSE_POSE_PRESENCE_SCORE,
  BLAZEPOSE_TENSORS_TO_LANDMARKS_CONFIG,
} from '@tensorflow-models/pose-detection/dist/blazepose_tfjs/constants.js';
import { MicroBatcher } from './micro-batcher.ts';

/**
 * Batch size for POSE_BATCH_MAX: 0 = auto. A GPU runs a batch of crops for little more than one
 * crop; on a CPU a batch costs what its crops cost one by one, so auto leaves batching off there.
 */
export function resolveBatchMax(requested: number, backend: string): number {
  if (requested > 0) return requested;
  return backend === 'tensorflow-gpu' ? 8 : 1;
}

/** The outputs pose-detection asks for when segmentation is off (order matters to its decoder). */
const FULL_OUTPUTS = ['ld_3d', 'output_poseflag', 'activation_heatmap', 'world_3d'];
/** Landmarks and presence only. */
const LEAN_OUTPUTS = ['ld_3d', 'output_poseflag'];

export interface LandmarkBatchOptions {
  maxBatch: number;
  maxWaitMs: number;
  onBatch?: (size: number, waitedMs: number) => void;
}

export interface LandmarkStepOptions {
  /** pose-detection's heatmap refinement and world landmarks (true), or lean outputs (false). */
  refine: boolean;
  /** Cross-session batching; unset or maxBatch 1 = every crop runs alone, synchronously. */
  batch?: LandmarkBatchOptions;
}

type Roi = unknown;
type ImageSize = { width: number; height: number };
interface DecodedLandmarks {
  landmarks: unknown;
  auxiliaryLandmarks: unknown;
  poseScore: number;
  worldLandmarks: unknown;
  segmentationMask: unknown;
}
/** The parts of pose-detection's BlazePoseTfjsDetector this module touches. */
export interface PatchableDetector {
  poseLandmarksByRoi: (roi: Roi, image: tf.Tensor3D) => Promise<unknown>;
  tensorsToPoseLandmarksAndSegmentation: (tensors: tf.Tensor[]) => Promise<DecodedLandmarks | null>;
  poseLandmarksAndSegmentationInverseProjection: (
    imageSize: ImageSize,
    roi: Roi,
    padding: unknown,
    transformationMatrix: unknown,
    landmarks: unknown,
    auxiliaryLandmarks: unknown,
    worldLandmarks: unknown,
    segmentationMask: unknown,
  ) => Promise<Record<string, unknown>>;
}

/** One shared landmark model and the step every stream detector attached to it runs. */
export class LandmarkStep {
  private readonly batcher: MicroBatcher<tf.Tensor4D, tf.Tensor[]> | null;
  private readonly outputs: string[];

  constructor(
    private readonly model: GraphModel,
    private readonly opts: LandmarkStepOptions,
  ) {
    this.outputs = opts.refine ? FULL_OUTPUTS : LEAN_OUTPUTS;
    const batch = opts.batch;
    this.batcher =
      batch && batch.maxBatch > 1
        ? new MicroBatcher<tf.Tensor4D, tf.Tensor[]>({
            maxBatch: batch.maxBatch,
            maxWaitMs: batch.maxWaitMs,
            run: (crops) => this.execute(crops),
            ...(batch.onBatch ? { onBatch: batch.onBatch } : {}),
          })
        : null;
  }

  /** Runs N crops as one [N,256,256,3] call and hands each caller its own slice of every output. */
  private execute(crops: readonly tf.Tensor4D[]): tf.Tensor[][] {
    return tf.tidy(() => {
      const input = crops.length === 1 ? (crops[0] as tf.Tensor4D) : tf.concat(crops as tf.Tensor4D[], 0);
      const outs = this.model.execute(input, this.outputs) as tf.Tensor[];
      if (crops.length === 1) return [outs];
      return crops.map((_, i) => outs.map((o) => tf.slice(o, i, 1)));
    });
  }

  run(crop: tf.Tensor4D): Promise<tf.Tensor[]> {
    return this.batcher ? this.batcher.submit(crop) : Promise.resolve(this.execute([crop])[0] ?? []);
  }

  /**
   * The lean decode: presence flag, then the 39 regressed landmarks (33 keypoints + 2 auxiliary for
   * the ROI), exactly as pose-detection decodes them before its heatmap refinement. World landmarks
   * are not computed; the projection step gets zeros in their place (we never read them).
   */
  private static async decodeLean(outputs: readonly tf.Tensor[]): Promise<DecodedLandmarks | null> {
    const [landmarkTensor, flagTensor] = outputs;
    if (!landmarkTensor || !flagTensor) return null;
    const poseScore = (await flagTensor.data())[0] ?? 0;
    if (poseScore < BLAZEPOSE_POSE_PRESENCE_SCORE) return null;
    const all = await tensorsToLandmarks(landmarkTensor, BLAZEPOSE_TENSORS_TO_LANDMARKS_CONFIG);
    const landmarks = all.slice(0, BLAZEPOSE_NUM_KEYPOINTS);
    return {
      landmarks,
      auxiliaryLandmarks: all.slice(BLAZEPOSE_NUM_KEYPOINTS, BLAZEPOSE_NUM_AUXILIARY_KEYPOINTS),
      poseScore,
      worldLandmarks: landmarks.map((k) => ({ x: 0, y: 0, z: 0, score: k.score ?? 0 })),
      segmentationMask: null,
    };
  }

  /** Routes a stream detector's landmark step through this step (lean and/or batched). */
  attach(detector: PatchableDetector): void {
    const run = (crop: tf.Tensor4D): Promise<tf.Tensor[]> => this.run(crop);
    const refine = this.opts.refine;
    detector.poseLandmarksByRoi = async function (this: PatchableDetector, roi: Roi, image: tf.Tensor3D) {
      const imageSize = getImageSize(image);
      const { imageTensor, padding, transformationMatrix } = convertImageToTensor(image, BLAZEPOSE_LANDMARK_IMAGE_TO_TENSOR_CONFIG, roi as never);
      let outputs: tf.Tensor[] = [];
      try {
        outputs = await run(imageTensor);
        const decoded = refine ? await this.tensorsToPoseLandmarksAndSegmentation(outputs) : await LandmarkStep.decodeLean(outputs);
        if (decoded === null) return null;
        const projected = await this.poseLandmarksAndSegmentationInverseProjection(
          imageSize,
          roi,
          padding,
          transformationMatrix,
          decoded.landmarks,
          decoded.auxiliaryLandmarks,
          decoded.worldLandmarks,
          decoded.segmentationMask,
        );
        return { poseScore: decoded.poseScore, ...projected };
      } finally {
        tf.dispose(outputs);
        tf.dispose(imageTensor);
      }
    };
  }

  close(): void {
    this.batcher?.close();
  }
}

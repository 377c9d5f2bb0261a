/**
 * Cross-session batching of BlazePose's landmark model (the expensive step: 256×256 crop → 33
 * landmarks). pose-detection runs it as `landmarkModel.execute(crop)` inside its per-detector
 * `poseLandmarksByRoi`; that call is synchronous, so it cannot wait for other sessions' crops. We
 * replace that one method on each stream's detector with the same steps in the same order (crop
 * with pose-detection's own converter, decode and project with the detector's own methods) except
 * that the model call goes through a MicroBatcher shared by every stream of the process: crops of
 * different sessions become one [N,256,256,3] execute, and each session gets its slice back.
 * Detection, ROI tracking and smoothing stay pose-detection's. A test checks that batched results
 * equal unbatched ones frame for frame.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
// Internal modules of pose-detection 2.1.3 (CommonJS, no "exports" map): the same code its detector uses.
import { convertImageToTensor } from '@tensorflow-models/pose-detection/dist/shared/calculators/convert_image_to_tensor.js';
import { getImageSize } from '@tensorflow-models/pose-detection/dist/shared/calculators/image_utils.js';
import { BLAZEPOSE_LANDMARK_IMAGE_TO_TENSOR_CONFIG } from '@tensorflow-models/pose-detection/dist/blazepose_tfjs/constants.js';
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
const OUTPUTS = ['ld_3d', 'output_poseflag', 'activation_heatmap', 'world_3d'];

export interface LandmarkBatchOptions {
  maxBatch: number;
  maxWaitMs: number;
  onBatch?: (size: number, waitedMs: number) => void;
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

/** One shared landmark model, batched across every stream detector attached to it. */
export class BatchedLandmarkModel {
  private readonly batcher: MicroBatcher<tf.Tensor4D, tf.Tensor[]>;

  constructor(
    private readonly model: GraphModel,
    opts: LandmarkBatchOptions,
  ) {
    this.batcher = new MicroBatcher<tf.Tensor4D, tf.Tensor[]>({
      maxBatch: opts.maxBatch,
      maxWaitMs: opts.maxWaitMs,
      run: (crops) => this.execute(crops),
      ...(opts.onBatch ? { onBatch: opts.onBatch } : {}),
    });
  }

  /** Runs N crops as one [N,256,256,3] call and hands each caller its own slice of every output. */
  private execute(crops: readonly tf.Tensor4D[]): tf.Tensor[][] {
    return tf.tidy(() => {
      const input = crops.length === 1 ? (crops[0] as tf.Tensor4D) : tf.concat(crops as tf.Tensor4D[], 0);
      const outs = this.model.execute(input, OUTPUTS) as tf.Tensor[];
      if (crops.length === 1) return [outs];
      return crops.map((_, i) => outs.map((o) => tf.slice(o, i, 1)));
    });
  }

  run(crop: tf.Tensor4D): Promise<tf.Tensor[]> {
    return this.batcher.submit(crop);
  }

  /** Routes a stream detector's landmark step through the shared batch. */
  attach(detector: PatchableDetector): void {
    const run = (crop: tf.Tensor4D): Promise<tf.Tensor[]> => this.run(crop);
    detector.poseLandmarksByRoi = async function (this: PatchableDetector, roi: Roi, image: tf.Tensor3D) {
      const imageSize = getImageSize(image);
      const { imageTensor, padding, transformationMatrix } = convertImageToTensor(image, BLAZEPOSE_LANDMARK_IMAGE_TO_TENSOR_CONFIG, roi as never);
      let outputs: tf.Tensor[] = [];
      try {
        outputs = await run(imageTensor);
        const decoded = await this.tensorsToPoseLandmarksAndSegmentation(outputs);
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
    this.batcher.close();
  }
}

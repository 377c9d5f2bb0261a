/**
 * BlazePose per frame, run by us over pose-detection's own parts. pose-detection's
 * `estimatePoses` takes an image tensor: it needs the whole frame uploaded to tfjs every frame,
 * and crops the 256×256 landmark input out of it with tfjs ops, which together cost about a
 * quarter of the landmark model on the wasm backend. `trackPose` below is the same sequence of
 * steps, calling the detector's own methods in the same order (detect when there is no region of
 * interest, landmarks in the region, its filtering, the next region from the landmarks), with
 * three changes:
 * - **the crop is sampled from the decoded RGB frame** (roi-crop.ts: wasm SIMD, or JavaScript as
 *   the fallback); the frame is uploaded to tfjs only on the frames where the person detector runs
 *   (first frame, lost track);
 * - **the heatmap refinement reads only the 7×7 windows it uses** (heatmap-refine.ts), not the
 *   whole 640 KB heatmap;
 * - **lean outputs** (`refine: false`, optional): ask the model for the landmarks and the presence
 *   flag only. The heatmap (used to nudge landmarks) and the world landmarks (metric 3D, which we
 *   never use) cost ~19 % of the model's time and a 640 KB read-back per frame;
 * - **cross-session batching** (`batch.maxBatch` > 1, optional): the model call goes through a
 *   MicroBatcher shared by every stream of the worker; crops of different sessions become one
 *   [N,256,256,3] execute, and each session gets its slice back (for GPUs).
 * Detection, ROI tracking, decoding, projection and smoothing stay pose-detection's. Tests check
 * the results against pose-detection's own `estimatePoses` frame for frame, batched against
 * unbatched, and lean against refined.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
// Internal modules of pose-detection 2.1.3 (CommonJS, no "exports" map): the same code its detector uses.
import { normalizedKeypointsToKeypoints } from '@tensorflow-models/pose-detection/dist/shared/calculators/normalized_keypoints_to_keypoints.js';
import { calculateScoreCopy } from '@tensorflow-models/pose-detection/dist/shared/calculators/calculate_score_copy.js';
import { tensorsToLandmarks } from '@tensorflow-models/pose-detection/dist/shared/calculators/tensors_to_landmarks.js';
import {
  BLAZEPOSE_LANDMARK_IMAGE_TO_TENSOR_CONFIG,
  BLAZEPOSE_NUM_AUXILIARY_KEYPOINTS,
  BLAZEPOSE_NUM_KEYPOINTS,
  BLAZEPOSE_POSE_PRESENCE_SCORE,
  BLAZEPOSE_REFINE_LANDMARKS_FROM_HEATMAP_CONFIG,
  BLAZEPOSE_TENSORS_TO_LANDMARKS_CONFIG,
  BLAZEPOSE_TENSORS_TO_WORLD_LANDMARKS_CONFIG,
} from '@tensorflow-models/pose-detection/dist/blazepose_tfjs/constants.js';
import { refineFromHeatmap } from './heatmap-refine.ts';
import { MicroBatcher } from './micro-batcher.ts';
import { RoiCropper, type CropSampler, type NormalizedRect, type Padding, type RgbImage } from './roi-crop.ts';

/** pose-detection's timestamps are in microseconds. */
const MILLISECOND_TO_MICRO_SECONDS = 1000;

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
  /** Crop sampler to prefer (default wasm SIMD; JavaScript where the runtime lacks it). */
  cropSampler?: CropSampler;
}

type ImageSize = { width: number; height: number };
type Keypoint = { x: number; y: number; z?: number; score?: number; name?: string };

interface DecodedLandmarks {
  landmarks: Keypoint[];
  auxiliaryLandmarks: Keypoint[];
  poseScore: number;
  worldLandmarks: Keypoint[];
  segmentationMask: unknown;
}

/** The parts of pose-detection's BlazePoseTfjsDetector (one per stream) that trackPose drives. */
export interface TrackingDetector {
  regionOfInterest: NormalizedRect | null;
  /** Microseconds; drives the smoothing filters. */
  timestamp: number | null;
  maxPoses: number;
  reset(): void;
  detectPose(image: tf.Tensor3D): Promise<unknown[]>;
  poseDetectionToRoi(detection: unknown, imageSize: ImageSize): NormalizedRect;
  poseLandmarksAndSegmentationInverseProjection(
    imageSize: ImageSize,
    roi: NormalizedRect,
    padding: Padding,
    transformationMatrix: number[][],
    landmarks: Keypoint[],
    auxiliaryLandmarks: Keypoint[],
    worldLandmarks: Keypoint[],
    segmentationMask: unknown,
  ): Promise<{ landmarks: Keypoint[]; auxiliaryLandmarks: Keypoint[]; worldLandmarks: Keypoint[] }>;
  poseLandmarkFiltering(
    landmarks: Keypoint[],
    auxiliaryLandmarks: Keypoint[],
    worldLandmarks: Keypoint[],
    imageSize: ImageSize,
  ): { actualLandmarksFiltered: Keypoint[]; auxiliaryLandmarksFiltered: Keypoint[] };
  poseLandmarksToRoi(auxiliaryLandmarks: Keypoint[], imageSize: ImageSize): NormalizedRect;
}

export interface TrackedPose {
  /** Pixel coordinates as pose-detection returns them (z in its units: see PoseEstimator). */
  keypoints: Keypoint[];
  score: number;
}

/** The landmark model's input side: BLAZEPOSE_LANDMARK_IMAGE_TO_TENSOR_CONFIG is 256×256, values in [0, 1], zero border (what cropRoi produces). */
const CROP_SIZE = BLAZEPOSE_LANDMARK_IMAGE_TO_TENSOR_CONFIG.outputTensorSize.width;

/** One shared landmark model and the per-frame steps every stream's detector goes through. */
export class LandmarkStep {
  private readonly batcher: MicroBatcher<tf.Tensor4D, tf.Tensor[]> | null;
  private readonly outputs: string[];
  private readonly cropper: RoiCropper;
  /**
   * The cropper's values are overwritten by its next crop. tfjs' wasm backend copies a tensor's
   * values into its heap when the tensor is made, so they go straight in; other backends may keep
   * a reference until the values are used, and a batched crop waits in the queue, so those get a
   * copy in a buffer per stream (a stream never has two frames in the step at once).
   */
  private readonly copiesOnWrite: boolean;
  private readonly cropBuffers = new WeakMap<TrackingDetector, Float32Array>();

  constructor(
    private readonly model: GraphModel,
    private readonly opts: LandmarkStepOptions,
  ) {
    this.outputs = opts.refine ? FULL_OUTPUTS : LEAN_OUTPUTS;
    this.cropper = RoiCropper.create(opts.cropSampler);
    this.copiesOnWrite = tf.getBackend() === 'wasm';
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

  private run(crop: tf.Tensor4D): Promise<tf.Tensor[]> {
    return this.batcher ? this.batcher.submit(crop) : Promise.resolve(this.execute([crop])[0] ?? []);
  }

  /**
   * pose-detection's `estimatePoses` for one frame of a video, step for step (see the file's
   * comment), with the crop taken from the RGB frame. `upload` turns the frame into a tensor for
   * the person detector; it is called only when there is no region of interest to track.
   */
  async trackPose(detector: TrackingDetector, frame: RgbImage, timestampMs: number, upload: () => tf.Tensor3D): Promise<TrackedPose | null> {
    detector.maxPoses = 1;
    detector.timestamp = timestampMs * MILLISECOND_TO_MICRO_SECONDS;
    const imageSize = { width: frame.width, height: frame.height };
    let roi = detector.regionOfInterest;
    if (roi === null) {
      const image = upload();
      let detections: unknown[];
      try {
        detections = await detector.detectPose(image);
      } finally {
        image.dispose();
      }
      if (detections.length === 0) {
        detector.reset();
        return null;
      }
      roi = detector.poseDetectionToRoi(detections[0], imageSize);
    }
    const found = await this.landmarksByRoi(detector, roi, frame, imageSize);
    if (found === null) {
      detector.reset();
      return null;
    }
    const filtered = detector.poseLandmarkFiltering(found.landmarks, found.auxiliaryLandmarks, found.worldLandmarks, imageSize);
    // Cache the region for the next frame.
    detector.regionOfInterest = detector.poseLandmarksToRoi(filtered.auxiliaryLandmarksFiltered, imageSize);
    return { keypoints: normalizedKeypointsToKeypoints(filtered.actualLandmarksFiltered, imageSize), score: found.poseScore };
  }

  /** pose-detection's `poseLandmarksByRoi` with the crop sampled from the RGB frame. */
  private async landmarksByRoi(detector: TrackingDetector, roi: NormalizedRect, frame: RgbImage, imageSize: ImageSize) {
    const { padding, transformationMatrix, values } = this.cropper.crop(frame, roi, CROP_SIZE);
    const crop = tf.tensor4d(this.copiesOnWrite ? values : this.streamCopy(detector, values), [1, CROP_SIZE, CROP_SIZE, 3], 'float32');
    let outputs: tf.Tensor[] = [];
    try {
      outputs = await this.run(crop);
      const decoded = await decodeLandmarks(outputs, this.opts.refine);
      if (decoded === null) return null;
      const projected = await detector.poseLandmarksAndSegmentationInverseProjection(
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
      crop.dispose();
    }
  }

  /** Which sampler cuts the crops (the preferred one, or JavaScript where wasm SIMD is missing). */
  get cropSampler(): CropSampler {
    return this.cropper.sampler;
  }

  private streamCopy(detector: TrackingDetector, values: Float32Array): Float32Array {
    let buffer = this.cropBuffers.get(detector);
    if (!buffer) {
      buffer = new Float32Array(values.length);
      this.cropBuffers.set(detector, buffer);
    }
    buffer.set(values);
    return buffer;
  }

  close(): void {
    this.batcher?.close();
  }
}

/**
 * pose-detection's `tensorsToPoseLandmarksAndSegmentation` (segmentation off), step for step:
 * presence flag, then the 39 regressed landmarks (33 keypoints + 2 auxiliary for the ROI). With
 * `refine` (outputs in FULL_OUTPUTS order) the landmarks are refined from the heatmap, reading only
 * the windows it uses (heatmap-refine.ts), and world landmarks are decoded. Lean (LEAN_OUTPUTS):
 * no refinement, and the projection step gets zeros for the world landmarks (we never read them).
 */
export async function decodeLandmarks(outputs: readonly tf.Tensor[], refine: boolean): Promise<DecodedLandmarks | null> {
  const [landmarkTensor, flagTensor, heatmapTensor, worldTensor] = outputs;
  if (!landmarkTensor || !flagTensor || (refine && (!heatmapTensor || !worldTensor))) return null;
  const poseScore = (await flagTensor.data())[0] ?? 0;
  if (poseScore < BLAZEPOSE_POSE_PRESENCE_SCORE) return null;
  let all = (await tensorsToLandmarks(landmarkTensor, BLAZEPOSE_TENSORS_TO_LANDMARKS_CONFIG)) as Keypoint[];
  if (refine && heatmapTensor) all = await refineFromHeatmap(all, heatmapTensor, BLAZEPOSE_REFINE_LANDMARKS_FROM_HEATMAP_CONFIG);
  const landmarks = all.slice(0, BLAZEPOSE_NUM_KEYPOINTS);
  const worldLandmarks =
    refine && worldTensor
      ? calculateScoreCopy(
          landmarks,
          ((await tensorsToLandmarks(worldTensor, BLAZEPOSE_TENSORS_TO_WORLD_LANDMARKS_CONFIG)) as Keypoint[]).slice(0, BLAZEPOSE_NUM_KEYPOINTS),
          true,
        )
      : landmarks.map((k) => ({ x: 0, y: 0, z: 0, score: k.score ?? 0 }));
  return {
    landmarks,
    auxiliaryLandmarks: all.slice(BLAZEPOSE_NUM_KEYPOINTS, BLAZEPOSE_NUM_AUXILIARY_KEYPOINTS),
    poseScore,
    worldLandmarks,
    segmentationMask: null,
  };
}

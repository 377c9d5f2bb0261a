/**
 * metadata.json of an exercise-classifier folder: what the model outputs (class names in output
 * order) and the input contract the feature window must reproduce exactly (landmark subset and
 * order, channels, window length, frame rate, normalisation). The contract lives in data, not in
 * code, so a converted Keras model (the seed's 22-class model) drops in with a metadata file alone.
 */
import { z } from 'zod';

/** BlazePose / MediaPipe Pose landmark names, in landmark-index order. */
export const BLAZEPOSE_LANDMARKS = [
  'nose',
  'left_eye_inner',
  'left_eye',
  'left_eye_outer',
  'right_eye_inner',
  'right_eye',
  'right_eye_outer',
  'left_ear',
  'right_ear',
  'mouth_left',
  'mouth_right',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_pinky',
  'right_pinky',
  'left_index',
  'right_index',
  'left_thumb',
  'right_thumb',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
  'left_heel',
  'right_heel',
  'left_foot_index',
  'right_foot_index',
] as const;
export type LandmarkName = (typeof BLAZEPOSE_LANDMARKS)[number];

/** The seed's 12 landmarks: shoulders, elbows, wrists, hips, knees, ankles (BlazePose index order). */
export const SEED_LANDMARKS: readonly LandmarkName[] = [
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
];

const normalizationSchema = z.discriminatedUnion('mode', [
  /** Raw coordinates. */
  z.object({ mode: z.literal('none') }),
  /** The seed's: the whole window divided by its largest absolute value. */
  z.object({ mode: z.literal('max-abs') }),
  /**
   * Body frame: x, y (and z) centred on the window's mean hip midpoint and divided by the window's
   * median torso length (shoulder midpoint to hip midpoint), so position and camera distance drop out.
   */
  z.object({ mode: z.literal('body') }),
]);
export type Normalization = z.infer<typeof normalizationSchema>;

export const inputContractSchema = z.object({
  /** Frames per window (the model's time axis). */
  windowLength: z.number().int().min(2).max(1024),
  /** Frames per second the window is sampled at; frames of any timing are resampled to it. */
  frameRate: z.number().positive().max(240),
  /** Landmarks per frame, in feature order. */
  landmarks: z.array(z.enum(BLAZEPOSE_LANDMARKS)).min(1),
  /** Values per landmark, in feature order: features per frame = landmarks × channels. */
  channels: z.array(z.enum(['x', 'y', 'z', 'visibility'])).min(1),
  /** Multiply x (and z, which is in image-width units) by width / height so angles are true. */
  aspectCorrected: z.boolean().default(false),
  normalization: normalizationSchema,
  /** Share of the window that real frames must cover before the model is asked; the rest is padded. */
  minCoverage: z.number().min(0).max(1).default(0.5),
  /**
   * Out-of-picture joints: in a frame where a listed landmark and its left/right partner both have
   * a visibility below minVisibility (the camera framed the person at the waist, say), both read as
   * the hip centre (every channel 0 after normalisation) instead of where the pose model guessed them.
   */
  hidden: z
    .object({
      landmarks: z.array(z.enum(BLAZEPOSE_LANDMARKS)).min(1),
      minVisibility: z.number().min(0).max(1),
    })
    .optional(),
  /** Free text: how the original was fed (e.g. "every 2nd frame of a 30 fps camera"). */
  note: z.string().optional(),
});
export type InputContract = z.infer<typeof inputContractSchema>;

const perClassSchema = z.object({
  /** What the class learned from: real clips, landmark datasets, synthetic sequences. */
  data: z.array(z.enum(['real-clips', 'landmark-datasets', 'synthetic'])).optional(),
  windows: z.number().int().min(0).optional(),
  accuracy: z.number().min(0).max(1).nullable().optional(),
  clips: z.number().int().min(0).optional(),
});

export const modelMetadataSchema = z.object({
  format: z.literal('workout-rtc/exercise-classifier'),
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
  /** Output order of the model's softmax. */
  classes: z.array(z.string().min(1)).min(2),
  /** Classes that mean "no exercise" (resting, walking, setting up): never reported as an exercise. */
  idleClasses: z.array(z.string()).default([]),
  input: inputContractSchema,
  /** The layers-model file, relative to the folder. */
  modelFile: z.string().default('model.json'),
  training: z.record(z.string(), z.unknown()).optional(),
  accuracy: z.record(z.string(), z.unknown()).optional(),
  perClass: z.record(z.string(), perClassSchema).optional(),
});
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

export class ModelMetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMetadataError';
  }
}

/** Parses metadata.json text, failing with every problem listed and the file named. */
export function parseModelMetadata(text: string, source = 'metadata.json'): ModelMetadata {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ModelMetadataError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = modelMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModelMetadataError(`${source}: invalid metadata — ${problems.join('; ')}`);
  }
  const meta = parsed.data;
  const dup = meta.classes.find((c, i) => meta.classes.indexOf(c) !== i);
  if (dup !== undefined) throw new ModelMetadataError(`${source}: class "${dup}" appears twice in classes`);
  const strayHidden = meta.input.hidden?.landmarks.find((l) => !meta.input.landmarks.includes(l));
  if (strayHidden !== undefined) throw new ModelMetadataError(`${source}: hidden landmark "${strayHidden}" is not among input.landmarks`);
  const strayIdle = meta.idleClasses.find((c) => !meta.classes.includes(c));
  if (strayIdle !== undefined) throw new ModelMetadataError(`${source}: idle class "${strayIdle}" is not in classes`);
  return meta;
}

/** Features per frame the contract produces. */
export function featuresPerFrame(input: InputContract): number {
  return input.landmarks.length * input.channels.length;
}

/** One landmark: [x, y, z, visibility]; x, y normalised to the image (0..1), z in image-width units. */
export type Landmark = [x: number, y: number, z: number, visibility: number];

export const POSE_LANDMARK_COUNT = 33;

export interface PoseResult {
  /** The 33 BlazePose landmarks, or null when nobody was found. */
  landmarks: Landmark[] | null;
  /** The landmark model's pose presence score (0..1). */
  score: number;
}

export type PoseModelType = 'lite' | 'full' | 'heavy';

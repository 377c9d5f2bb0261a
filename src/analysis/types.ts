/**
 * Contract between the pose pipeline (producer) and the analysis engine (consumer),
 * and the result shapes the session layer forwards to clients.
 */

/** One BlazePose/MediaPipe landmark: x, y normalised 0..1 to image width/height, z roughly in
 * image-width units (negative = towards the camera), visibility 0..1. */
export type Landmark = [x: number, y: number, z: number, visibility: number];

export interface PoseObservation {
  /** Seconds since session start, monotonic. */
  t: number;
  /** The 33 landmarks, or null when nobody is in the frame. */
  landmarks: Landmark[] | null;
  /** Image width / height: angles are computed in true pixel geometry, not in the squashed 0..1 square. */
  aspect: number;
}

export type Rgb = [number, number, number];

export interface RepFault {
  code: string;
  feedback: string;
}

export interface RepRecord {
  exercise: string;
  index: number;
  start_time: number;
  end_time: number;
  duration: number;
  eccentric_s: number;
  concentric_s: number;
  range_of_motion: number;
  min_angle: number;
  max_angle: number;
  form_score: number;
  faults: RepFault[];
}

export interface FrameAnalysis {
  exercise: string | null;
  confidence: number;
  /** Reps of the current exercise, over the whole session. */
  reps: number;
  feedback: string;
  form_color: Rgb;
  /** Primary joint angle (or signal) in degrees, rounded to 0.1. */
  angle: number | null;
  phase?: string;
  form_score?: number;
  /** Set on the frame a rep completes. */
  rep_completed?: RepRecord;
  hold_seconds?: number;
}

export interface ExerciseDetail {
  total_reps: number;
  duration: number;
  best_form_score: number;
  avg_form_score: number;
  sets: number;
  hold_seconds?: number;
}

export interface SessionSummary {
  session_duration: number;
  total_frames: number;
  exercises_performed: number;
  exercise_details: Record<string, ExerciseDetail>;
  avg_form_score: number;
  sets: number;
  reps: RepRecord[];
}

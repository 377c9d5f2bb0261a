import type { SummaryPayload } from '../../signaling/index.ts';
import type { Landmark } from '../infer/pose-types.ts';

/** What a session needs from the analysis engine (src/analysis implements it; pure, synchronous). */
export interface PoseObservation {
  t: number;
  landmarks: Landmark[] | null;
  aspect: number;
}

export interface FrameAnalysisResult {
  exercise: string | null;
  confidence: number;
  reps: number;
  feedback: string;
  form_color: [number, number, number];
  angle: number | null;
  phase?: string;
  form_score?: number;
  hold_seconds?: number;
  coaching_tip?: string;
  /** Time the exercise classifier took on this frame, when it ran (ms). */
  classify_ms?: number;
}

export interface SessionAnalyzerPort {
  update(obs: PoseObservation): FrameAnalysisResult;
  setExercise(name: string): void;
  reset(): void;
  summary(): SummaryPayload;
  readonly exercise: string | null;
}

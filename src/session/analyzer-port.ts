import type { RepRecordMessage, SummaryPayload } from '../../signaling/index.ts';
import type { AnalyzerSnapshot } from '../analysis/session-analyzer.ts';
import type { Landmark } from '../infer/pose-types.ts';

export type { AnalyzerSnapshot };

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
  /** Set on the frame a rep completes (the session records it). */
  rep_completed?: RepRecordMessage;
}

export interface SessionAnalyzerPort {
  update(obs: PoseObservation): FrameAnalysisResult;
  setExercise(name: string): void;
  reset(): void;
  summary(): SummaryPayload;
  readonly exercise: string | null;
  /** Counted state for resume (reps, sets, exercise, durations); a wrapper forwards these to the analyzer it wraps. */
  snapshot(): AnalyzerSnapshot;
  restore(snapshot: AnalyzerSnapshot): void;
}

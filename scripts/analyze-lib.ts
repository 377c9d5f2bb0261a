/**
 * Offline analysis of a recorded landmark sequence: the same engine the live session runs,
 * fed frame by frame. Used by the offline analyzer and the evaluation.
 */
import { SessionAnalyzer } from '../src/analysis/index.ts';
import type { PoseObservation, SessionSummary } from '../src/analysis/index.ts';

export function analyzeSequence(frames: readonly PoseObservation[], exercise?: string): SessionSummary {
  const analyzer = new SessionAnalyzer({ exercise: exercise ?? 'auto' });
  for (const frame of frames) analyzer.update(frame);
  analyzer.finish();
  return analyzer.summary();
}

/** True when any counted rep carries a form fault: the clip-level form verdict. */
export function flagsFault(summary: SessionSummary): boolean {
  return summary.reps.some((r) => r.faults.length > 0);
}

/** Session summary: the seed's `summary` payload extended with form scores, sets and every rep. */
import type { ExerciseTracker } from './exercise-tracker.ts';
import type { ExerciseDetail, RepRecord, SessionSummary } from './types.ts';

/** A pause longer than this between reps of one exercise starts a new set. */
export const REST_GAP_S = 20;

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Groups [start, end] intervals into sets separated by rests longer than REST_GAP_S. */
export function countSets(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let sets = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const [start, end] of sorted) {
    if (start - lastEnd > REST_GAP_S) sets += 1;
    lastEnd = Math.max(lastEnd, end);
  }
  return sets;
}

export interface SessionTotals {
  firstT: number | null;
  lastT: number | null;
  frames: number;
  trackers: Iterable<ExerciseTracker>;
  /** Seconds each exercise was current with the person in view. */
  activeSeconds: ReadonlyMap<string, number>;
}

export function buildSummary(s: SessionTotals): SessionSummary {
  const details: Record<string, ExerciseDetail> = {};
  const reps: RepRecord[] = [];
  let sets = 0;
  for (const tracker of s.trackers) {
    const name = tracker.def.name;
    const isHold = tracker.def.hold !== undefined;
    if (tracker.repCount === 0 && !(isHold && tracker.holdSeconds > 0)) continue;
    const scores = isHold ? [tracker.holdFormScore] : tracker.reps.map((r) => r.form_score);
    const exerciseSets = isHold
      ? countSets(tracker.holdBouts)
      : countSets(tracker.reps.map((r) => [r.start_time, r.end_time] as const));
    const detail: ExerciseDetail = {
      total_reps: tracker.repCount,
      duration: round(s.activeSeconds.get(name) ?? 0, 1),
      best_form_score: Math.max(...scores),
      avg_form_score: Math.round(scores.reduce((a, b) => a + b, 0) / scores.length),
      sets: exerciseSets,
    };
    if (isHold) detail.hold_seconds = round(tracker.holdSeconds, 1);
    details[name] = detail;
    sets += exerciseSets;
    reps.push(...tracker.reps);
  }
  reps.sort((a, b) => a.end_time - b.end_time);
  return {
    session_duration: s.firstT === null || s.lastT === null ? 0 : round(s.lastT - s.firstT, 2),
    total_frames: s.frames,
    exercises_performed: Object.keys(details).length,
    exercise_details: details,
    avg_form_score: reps.length ? Math.round(reps.reduce((a, r) => a + r.form_score, 0) / reps.length) : 0,
    sets,
    reps,
  };
}

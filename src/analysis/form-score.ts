/**
 * The seed's enhanced form score: the mean of alignment, range of motion, tempo and stability,
 * each 0–100, computed per rep.
 */
import type { ExerciseDefinition } from './exercise-definition.ts';
import { violationShares, type RepWindow } from './form-rules.ts';

export interface FormScoreParts {
  alignment: number;
  range_of_motion: number;
  tempo: number;
  stability: number;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** Alignment points a rep loses per fault it carries: a flagged rep should not score like a clean one. */
const FAULT_PENALTY = 20;

export function scoreParts(def: ExerciseDefinition, w: RepWindow, raw: readonly number[], depth: number, faults: number): FormScoreParts {
  const spec = def.reps;
  // Alignment: the worst per-frame rule decides; averaging would let a good rule hide a bad one.
  const shares = violationShares(def.rules, w.checks).filter((s): s is number => s !== null);
  const alignment = Math.max(0, 100 * (1 - (shares.length ? Math.max(...shares) : 0)) - FAULT_PENALTY * faults);
  const rom = spec ? 100 * clamp01(depth / spec.amplitude) : 100;
  let tempo = 100;
  // A rep seen only in part has no known duration to judge.
  if (spec && !w.partial) {
    const [lo, hi] = spec.idealDurationS;
    if (w.duration < lo) tempo = 100 * clamp01(w.duration / lo);
    else if (w.duration > hi) tempo = Math.max(40, 100 - 10 * (w.duration - hi));
  }
  // Stability: how far the raw signal shakes around its smoothed path, relative to the rep's size.
  let residual = 0;
  const n = Math.min(raw.length, w.values.length);
  for (let i = 0; i < n; i++) residual += Math.abs((raw[i] ?? 0) - (w.values[i] ?? 0));
  const noise = n > 0 && depth > 0 ? residual / n / depth : 0;
  const stability = 100 * clamp01(1 - 4 * noise);
  return { alignment, range_of_motion: rom, tempo, stability };
}

export function formScore(parts: FormScoreParts): number {
  return Math.round((parts.alignment + parts.range_of_motion + parts.tempo + parts.stability) / 4);
}

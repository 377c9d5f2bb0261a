/** Shorthands that keep the definition files declarative and readable. */
import type { Joint } from '../landmarks.ts';
import type { FormRule, Measure, RepSpec, SideMode, SignalSpec } from '../exercise-definition.ts';

export function angle(a: Joint, b: Joint, c: Joint, sides: SideMode = 'best'): SignalSpec {
  return { measure: { kind: 'angle', joints: [a, b, c] }, sides };
}

export function bend(a: Joint, b: Joint, c: Joint, sides: SideMode = 'best'): SignalSpec {
  return { measure: { kind: 'bend', joints: [a, b, c] }, sides };
}

export function incline(from: Joint, to: Joint, sides: SideMode = 'best'): SignalSpec {
  return { measure: { kind: 'incline', from, to }, sides };
}

export function bilateral(measure: Measure): SignalSpec {
  return { measure, sides: 'mean' };
}

/** Rep timing defaults: most strength reps take 1-6 s; anything under 0.4 s is a twitch. */
export function reps(spec: Pick<RepSpec, 'rest' | 'amplitude' | 'minAmplitude' | 'away'> & Partial<RepSpec>): RepSpec {
  return { minDurationS: 0.4, maxDurationS: 20, idealDurationS: [1.2, 6], ...spec };
}

export function tooFast(minDurationS: number): FormRule {
  return {
    type: 'tempo',
    code: 'too_fast',
    feedback: 'Slow down and control every rep',
    severity: 'warning',
    minDurationS,
  };
}

/**
 * Form rules: per-frame checks (what the user sees now) and the per-rep verdict (what the
 * rep record keeps). A rep carries a frame-level fault only when a real share of its frames
 * broke the rule, so one noisy frame does not brand a clean rep.
 */
import type { ExerciseDefinition, FormRule, Severity, View } from './exercise-definition.ts';
import type { Side } from './landmarks.ts';
import { readSignal, viewOf, type Skeleton } from './signals.ts';
import type { RepFault } from './types.ts';

export type CheckPhase = 'near' | 'far' | 'hold';

/** Default share of a rep's checked frames that must break a bound rule. */
const DEFAULT_SHARE = 0.3;

/** One entry per rule: true = broken, false = fine, null = not checked this frame. */
export type FrameChecks = (boolean | null)[];

export function checkFrame(rules: readonly FormRule[], s: Skeleton, side: Side | null, phase: CheckPhase, moving: boolean): FrameChecks {
  return rules.map((rule) => {
    if (rule.type !== 'bound') return null;
    if (rule.phase === 'far' && phase !== 'far') return null;
    if (rule.phase === 'moving' && !moving) return null;
    if (rule.view !== undefined && viewOf(s) !== rule.view) return null;
    const reading = readSignal(s, rule.signal, side);
    if (reading === null) return null;
    return (rule.min !== undefined && reading.value < rule.min) || (rule.max !== undefined && reading.value > rule.max);
  });
}

export interface RepWindow {
  /** Smoothed primary (counting) signal over the rep. */
  values: readonly number[];
  /** Smoothed display angle over the rep (same as values when the definition has none). */
  display: readonly number[];
  /** How the rep was filmed, by majority of its frames. */
  view: View;
  checks: readonly FrameChecks[];
  duration: number;
  /** The rep began before the first frame seen (a session opening mid-rep): its duration is a lower bound. */
  partial: boolean;
  /** Longest stretch inside the rep with no reading of the primary signal, seconds. */
  longestGapS: number;
  /** Longest stretch inside the rep with no fresh reading of the display angle, seconds (the primary's gap when there is no display). */
  longestDisplayGapS: number;
}

/** A far extreme hidden for longer than this may have gone deeper than anything seen: depth goes unjudged. */
const MAX_UNSEEN_S = 0.25;

/** Per-rule share of checked frames that broke it (null for rules that are not per-frame or never checked). */
export function violationShares(rules: readonly FormRule[], checks: readonly FrameChecks[]): (number | null)[] {
  return rules.map((_, i) => {
    let checked = 0;
    let broken = 0;
    for (const c of checks) {
      const v = c[i];
      if (v === null || v === undefined) continue;
      checked += 1;
      if (v) broken += 1;
    }
    return checked === 0 ? null : broken / checked;
  });
}

export function repFaults(def: ExerciseDefinition, w: RepWindow): RepFault[] {
  const spec = def.reps;
  if (!spec || w.values.length === 0) return [];
  const hi = Math.max(...w.values);
  const lo = Math.min(...w.values);
  const far = spec.rest === 'high' ? lo : hi;
  const near = spec.rest === 'high' ? hi : lo;
  const beyond = (v: number, target: number, towardsHigh: boolean) => (towardsHigh ? v >= target : v <= target);
  // A display angle runs the same way as its primary signal (both fall as a squat deepens).
  const farOn = (on: 'primary' | 'display' | undefined) =>
    on === 'display' ? (spec.rest === 'high' ? Math.min(...w.display) : Math.max(...w.display)) : far;
  const shares = violationShares(def.rules, w.checks);
  const faults: RepFault[] = [];
  def.rules.forEach((rule, i) => {
    let broken = false;
    switch (rule.type) {
      case 'bound': {
        const share = shares[i];
        broken = share !== null && share !== undefined && share >= (rule.minShare ?? DEFAULT_SHARE);
        break;
      }
      case 'reach': {
        if (rule.view !== undefined && rule.view !== w.view) break;
        if (w.longestGapS > MAX_UNSEEN_S) break;
        if (rule.on === 'display' && w.longestDisplayGapS > MAX_UNSEEN_S) break;
        broken = !beyond(farOn(rule.on), rule.value, spec.rest === 'low');
        break;
      }
      case 'return':
        broken = !beyond(near, rule.value, spec.rest === 'high');
        break;
      case 'overshoot': {
        if (rule.on === 'display' && w.longestDisplayGapS > MAX_UNSEEN_S) break;
        const extreme = farOn(rule.on);
        broken = beyond(extreme, rule.value, spec.rest === 'low') && extreme !== rule.value;
        break;
      }
      case 'tempo':
        broken = !w.partial && w.duration < rule.minDurationS;
        break;
    }
    if (broken) faults.push({ code: rule.code, feedback: rule.feedback });
  });
  return faults;
}

export interface ActiveFault {
  code: string;
  feedback: string;
  severity: Severity;
}

/** Debounces per-frame rule breaks so a single bad frame does not flash the indicator red. */
export class FaultDebouncer {
  private since: (number | null)[];

  constructor(
    private readonly rules: readonly FormRule[],
    private readonly holdS = 0.25,
  ) {
    this.since = rules.map(() => null);
  }

  update(t: number, checks: FrameChecks): ActiveFault[] {
    const active: ActiveFault[] = [];
    this.rules.forEach((rule, i) => {
      if (checks[i] === true) {
        const since = this.since[i] ?? t;
        this.since[i] = since;
        if (t - since >= this.holdS) active.push({ code: rule.code, feedback: rule.feedback, severity: rule.severity });
      } else {
        this.since[i] = null;
      }
    });
    // Errors first: the client shows one message.
    return active.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  }

  reset(): void {
    this.since = this.rules.map(() => null);
  }
}

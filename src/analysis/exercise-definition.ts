/**
 * The declarative shape of an exercise. Adding an exercise is adding one of these to the
 * library; the engine (signals, rep counter, form rules, scoring) is shared.
 */
import type { Joint } from './landmarks.ts';

/**
 * How a scalar is read from the skeleton. Units: degrees for angles, percent of the body scale
 * for distances and offsets: the torso length (readable from the front and the side, unlike
 * shoulder width which vanishes in a side view), or the shoulder width when the torso points at
 * the camera (see BodyScale).
 */
export type Measure =
  /** Interior angle at the middle joint. */
  | { kind: 'angle'; joints: readonly [Joint, Joint, Joint] }
  /** Signed departure from a straight line at the middle joint (+ = middle joint above the line). */
  | { kind: 'bend'; joints: readonly [Joint, Joint, Joint] }
  /** Angle of the segment from→to away from straight up (0 upright, 90 horizontal). */
  | { kind: 'incline'; from: Joint; to: Joint }
  /** Distance between two joints on the same side, along an axis. */
  | { kind: 'distance'; from: Joint; to: Joint; axis: 'x' | 'y' | 'xy' }
  /** Distance between the left and right instance of a joint (e.g. wrist to wrist). */
  | { kind: 'spread'; joint: Joint; axis: 'x' | 'y' | 'xy' }
  /** Horizontal offset of the midpoint of both `joint`s from the hip midpoint; `abs` folds left/right together. */
  | { kind: 'offset'; joint: Joint; abs: boolean }
  /** Difference between the left and right reading of an angle (symmetry). */
  | { kind: 'asymmetry'; joints: readonly [Joint, Joint, Joint] }
  /**
   * One angle minus another on the same side. Hip angle minus knee angle is zero when the
   * torso runs parallel to the shins (a balanced squat) and turns negative when the chest
   * folds forward past them; both angles shrink alike with depth, so the difference does not.
   */
  | { kind: 'angleDifference'; joints: readonly [Joint, Joint, Joint]; minus: readonly [Joint, Joint, Joint] };

/**
 * Which side(s) a sided measure reads. `best` follows the better-visible side (side views hide
 * the far limbs); `mean`, `min`, `max` combine the sides that are visible (`min` of both knees
 * follows whichever leg is working in alternating lunges).
 */
export type SideMode = 'best' | 'left' | 'right' | 'mean' | 'min' | 'max';

export interface SignalSpec {
  measure: Measure;
  sides: SideMode;
}

export interface RepSpec {
  /** Where the body rests between reps: at the high or the low end of the signal. */
  rest: 'high' | 'low';
  /** Nominal full range, signal units: the first rep's thresholds scale from it. */
  amplitude: number;
  /** Smallest excursion that can be a rep: below it is jitter or fidgeting. */
  minAmplitude: number;
  /** Whether moving away from rest is the lowering (eccentric) or lifting (concentric) half. */
  away: 'eccentric' | 'concentric';
  /** Shortest and longest plausible rep, seconds. */
  minDurationS: number;
  maxDurationS: number;
  /** Comfortable rep duration range for the tempo score, seconds. */
  idealDurationS: readonly [number, number];
}

export type Severity = 'warning' | 'error';

/** Camera view of the body, judged from how wide the shoulders look next to the torso. */
export type View = 'front' | 'side';

/** Frames when a rule is checked: any frame, or only near the far end of a rep ("bottom"). */
export type RulePhase = 'any' | 'far' | 'moving';

export type FormRule =
  /** A per-frame bound on a measure; a rep carries the fault when enough of its frames break it. */
  | {
      type: 'bound';
      code: string;
      feedback: string;
      severity: Severity;
      signal: SignalSpec;
      min?: number;
      max?: number;
      phase: RulePhase;
      /** Share of checked frames in a rep that must break the bound for the rep to carry the fault. */
      minShare?: number;
      /** Checked only in frames filmed from this side, for measures that mean nothing from the other. */
      view?: View;
    }
  /**
   * The rep's far extreme must reach this value (depth, full contraction), read on the primary
   * signal or on the display angle; `view` limits the rule to reps filmed from that side, for
   * angles that only mean something there.
   */
  | { type: 'reach'; code: string; feedback: string; severity: Severity; value: number; on?: 'primary' | 'display'; view?: View }
  /** The rep must start and end near this value of the primary signal (lockout, full extension). */
  | { type: 'return'; code: string; feedback: string; severity: Severity; value: number }
  /**
   * The rep's far extreme must not pass this value of the primary signal or the display angle
   * (collapsing, swinging too high); a display angle unseen near the far end goes unjudged.
   */
  | { type: 'overshoot'; code: string; feedback: string; severity: Severity; value: number; on?: 'primary' | 'display' }
  /** The rep must not be faster than this many seconds. */
  | { type: 'tempo'; code: string; feedback: string; severity: Severity; minDurationS: number };

export interface HoldSpec {
  /** All must hold for the body to count as "in position". */
  position: readonly { signal: SignalSpec; min?: number; max?: number }[];
}

export interface ExerciseDefinition {
  name: string;
  /** Movement family, used by tools (generator, docs) to group exercises. */
  family: string;
  /** The signal reps are counted on (and the `angle` shown to the client unless `display` is set). */
  primary: SignalSpec;
  /** The joint angle shown to the client and kept in rep records, when reps are counted on a distance. */
  display?: SignalSpec;
  /** Present for rep exercises. */
  reps?: RepSpec;
  /** Present for holds (plank): time in position with good form, no reps. */
  hold?: HoldSpec;
  rules: readonly FormRule[];
  /** Shown when nothing else needs saying. */
  cue: string;
  /** Horizontal travel of the hips (torso lengths per second) above which the person is walking, not exercising. */
  travelLimit?: number;
}

/**
 * One client's analysis: feeds each pose to the current exercise's tracker and turns the
 * result into the per-frame payload. Pure and synchronous; the session layer owns timing and I/O.
 */
import { Coach, coachingTip, PRIORITY, type CoachMessage } from './coach.ts';
import { UnknownExerciseError } from './errors.ts';
import type { ExerciseDefinition } from './exercise-definition.ts';
import { findExercise } from './exercises/library.ts';
import { ExerciseTracker, type TrackerCounts, type TrackerFrame } from './exercise-tracker.ts';
import { LANDMARK_COUNT } from './landmarks.ts';
import { SceneGuard, type SceneUpdate } from './scene-guard.ts';
import { buildSummary } from './session-stats.ts';
import type { Skeleton } from './signals.ts';
import type { FrameAnalysis, PoseObservation, RepRecord, Rgb, SessionSummary } from './types.ts';

export const GREEN: Rgb = [0, 255, 0];
export const AMBER: Rgb = [255, 191, 0];
export const RED: Rgb = [255, 0, 0];
export const GREY: Rgb = [128, 128, 128];

/**
 * The counted state of a session as plain JSON, for resume on another connection or pod: reps and
 * sets (rep records), hold time, the current exercise and mode, durations and frame counts.
 * The movement in progress (rep-counter phase, filters, scene state) is not kept.
 */
export interface AnalyzerSnapshot {
  version: 1;
  exercise: string | null;
  auto: boolean;
  firstT: number | null;
  lastT: number | null;
  frames: number;
  activeSeconds: Record<string, number>;
  trackers: (TrackerCounts & { exercise: string })[];
}

export interface SessionAnalyzerOptions {
  /** A library name or 'auto' (default). */
  exercise?: string;
  /** Minimum seconds between two coaching tips. */
  coachingCooldownS?: number;
}

/** Recognition must agree this long before auto mode switches exercise: labels flicker. */
const SWITCH_AFTER_S = 1.0;
/** Recognition must report nothing this long before auto mode drops the exercise. */
const DROP_AFTER_S = 3.0;
const MIN_RECOGNITION_CONFIDENCE = 0.5;
/** How long a rep's verdict colours the indicator after the rep. */
const REP_VERDICT_S = 1.5;

export class SessionAnalyzer {
  private auto: boolean;
  private current: ExerciseTracker | null = null;
  private readonly trackers = new Map<string, ExerciseTracker>();
  private readonly guard = new SceneGuard();
  private readonly coach: Coach;
  private recognition: { label: string | null; confidence: number } = { label: null, confidence: 0 };
  private pending: { def: ExerciseDefinition | null; since: number } | null = null;
  private firstT: number | null = null;
  private lastT: number | null = null;
  private frames = 0;
  private readonly activeSeconds = new Map<string, number>();
  private lastRep: { t: number; faulty: boolean; score: number } | null = null;

  constructor(opts: SessionAnalyzerOptions = {}) {
    this.coach = new Coach(opts.coachingCooldownS ?? 10);
    this.auto = true;
    this.setExercise(opts.exercise ?? 'auto');
  }

  get exercise(): string | null {
    return this.current?.def.name ?? null;
  }

  setExercise(name: string): void {
    if (name.trim().toLowerCase() === 'auto') {
      this.auto = true;
      this.pending = null;
      this.activate(null);
      return;
    }
    const def = findExercise(name);
    if (!def) throw new UnknownExerciseError(name);
    this.auto = false;
    this.activate(def);
  }

  setRecognition(label: string | null, confidence: number): void {
    this.recognition = { label, confidence: Number.isFinite(confidence) ? confidence : 0 };
  }

  reset(): void {
    this.trackers.clear();
    this.guard.reset();
    this.coach.reset();
    this.activeSeconds.clear();
    this.firstT = null;
    this.lastT = null;
    this.frames = 0;
    this.lastRep = null;
    this.pending = null;
    const name = this.current?.def.name;
    this.current = null;
    if (name !== undefined) this.activate(findExercise(name) ?? null);
  }

  snapshot(): AnalyzerSnapshot {
    return {
      version: 1,
      exercise: this.exercise,
      auto: this.auto,
      firstT: this.firstT,
      lastT: this.lastT,
      frames: this.frames,
      activeSeconds: Object.fromEntries(this.activeSeconds),
      trackers: [...this.trackers.values()].map((tracker) => ({ exercise: tracker.def.name, ...tracker.counts() })),
    };
  }

  /** Replaces this analyzer's state with a snapshot's; exercises this build does not know are skipped. */
  restore(snapshot: AnalyzerSnapshot): void {
    this.reset();
    this.current = null;
    for (const counts of snapshot.trackers) {
      const def = findExercise(counts.exercise);
      if (!def) continue;
      const tracker = new ExerciseTracker(def);
      tracker.restoreCounts(counts);
      this.trackers.set(def.name, tracker);
    }
    for (const [name, seconds] of Object.entries(snapshot.activeSeconds)) this.activeSeconds.set(name, seconds);
    this.firstT = snapshot.firstT;
    this.lastT = snapshot.lastT;
    this.frames = snapshot.frames;
    this.auto = snapshot.auto;
    this.activate(snapshot.exercise === null ? null : (findExercise(snapshot.exercise) ?? null));
  }

  summary(): SessionSummary {
    return buildSummary({
      firstT: this.firstT,
      lastT: this.lastT,
      frames: this.frames,
      trackers: this.trackers.values(),
      activeSeconds: this.activeSeconds,
    });
  }

  /**
   * Ends the input (the last frame of a recording): a rep of the current exercise cut off on
   * its way back is counted when most of the return is already seen. Live sessions do not
   * call this: a paused or resumed stream is not an ended one.
   */
  finish(): RepRecord | null {
    return this.current?.finish() ?? null;
  }

  update(obs: PoseObservation): FrameAnalysis {
    const t = obs.t;
    const dt = this.lastT === null ? 0 : Math.min(0.5, Math.max(0, t - this.lastT));
    this.frames += 1;
    if (this.firstT === null) this.firstT = t;
    this.lastT = t;
    const skeleton = toSkeleton(obs);
    if (this.auto) this.followRecognition(t);
    const scene = this.guard.update(t, skeleton);

    const tracker = this.current;
    if (tracker === null) return neutral(null, 0);
    if (skeleton !== null && scene.state !== 'absent') {
      this.activeSeconds.set(tracker.def.name, (this.activeSeconds.get(tracker.def.name) ?? 0) + dt);
    }
    const frame = tracker.process(t, skeleton, scene);
    if (skeleton === null || scene.state === 'absent') return neutral(tracker.def.name, tracker.repCount);
    return this.present(t, tracker, frame, scene);
  }

  private present(t: number, tracker: ExerciseTracker, frame: TrackerFrame, scene: SceneUpdate): FrameAnalysis {
    const def = tracker.def;
    const candidates: CoachMessage[] = [{ text: def.cue, priority: PRIORITY.cue }];
    if (frame.angle === null) candidates.push({ text: 'Move so your whole body is in view', priority: PRIORITY.setup });
    else if (scene.state === 'travelling') candidates.push({ text: 'Get into position', priority: PRIORITY.setup });
    else if (def.hold && frame.inPosition === false) candidates.push({ text: `Get into ${def.name} position`, priority: PRIORITY.setup });
    const fault = frame.faults[0];
    if (fault) candidates.push({ text: fault.feedback, priority: PRIORITY.fault });
    if (frame.rep) {
      const repFault = frame.rep.faults[0];
      candidates.push(
        repFault
          ? { text: repFault.feedback, priority: PRIORITY.fault }
          : { text: `Rep ${frame.rep.index}: good form!`, priority: PRIORITY.rep },
      );
      this.lastRep = { t, faulty: repFault !== undefined, score: frame.rep.form_score };
      this.coach.offerTip(t, coachingTip(def.name, tracker.reps.map((r) => r.form_score)));
    }
    const feedback = this.coach.choose(t, candidates);

    let color = GREEN;
    const recentFaultyRep = this.lastRep !== null && this.lastRep.faulty && t - this.lastRep.t < REP_VERDICT_S;
    if (frame.faults.some((f) => f.severity === 'error')) color = RED;
    else if (frame.faults.length > 0 || recentFaultyRep || frame.angle === null || scene.state === 'travelling') color = AMBER;

    const out: FrameAnalysis = {
      exercise: def.name,
      confidence: this.auto ? this.recognition.confidence : 1,
      reps: tracker.repCount,
      feedback,
      form_color: [...color],
      angle: frame.angle === null ? null : Math.round(frame.angle * 10) / 10,
      phase: frame.phase,
    };
    if (def.hold) {
      out.hold_seconds = frame.holdSeconds ?? Math.round(tracker.holdSeconds * 10) / 10;
      if (tracker.holdSeconds > 0) out.form_score = tracker.holdFormScore;
    } else if (tracker.reps.length > 0) {
      out.form_score = tracker.reps[tracker.reps.length - 1]?.form_score ?? 0;
    }
    if (frame.rep) out.rep_completed = frame.rep;
    return out;
  }

  /** Auto mode: adopt a recognised exercise only once the label has been stable for a while. */
  private followRecognition(t: number): void {
    const { label, confidence } = this.recognition;
    const def = label !== null && confidence >= MIN_RECOGNITION_CONFIDENCE ? (findExercise(label) ?? null) : null;
    if (def === (this.current?.def ?? null)) {
      this.pending = null;
      return;
    }
    if (this.pending === null || this.pending.def !== def) {
      this.pending = { def, since: t };
      return;
    }
    if (t - this.pending.since >= (def === null ? DROP_AFTER_S : SWITCH_AFTER_S)) {
      this.activate(def);
      this.pending = null;
    }
  }

  private activate(def: ExerciseDefinition | null): void {
    if (def === (this.current?.def ?? null)) return;
    if (def === null) {
      this.current = null;
      return;
    }
    let tracker = this.trackers.get(def.name);
    if (!tracker) {
      tracker = new ExerciseTracker(def);
      this.trackers.set(def.name, tracker);
    }
    // Whatever the tracker was in the middle of belongs to an earlier stretch of the session.
    tracker.interrupt();
    this.current = tracker;
    this.guard.setTravelLimit(def.travelLimit ?? 0.8);
  }
}

function toSkeleton(obs: PoseObservation): Skeleton | null {
  if (obs.landmarks === null || obs.landmarks.length < LANDMARK_COUNT) return null;
  const aspect = Number.isFinite(obs.aspect) && obs.aspect > 0 ? obs.aspect : 1;
  return { landmarks: obs.landmarks, aspect };
}

function neutral(exercise: string | null, reps: number): FrameAnalysis {
  return { exercise, confidence: 0, reps, feedback: '', form_color: [...GREY], angle: null };
}

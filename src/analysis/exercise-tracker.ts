/**
 * Everything the engine knows about one exercise in a session: its signal, smoother, rep
 * counter, rule state, hold time and the reps counted so far. The session keeps one per
 * exercise, so switching exercise (or a flickering recognition label) never loses reps.
 */
import { BodyScale } from './body-scale.ts';
import type { ExerciseDefinition } from './exercise-definition.ts';
import { checkFrame, FaultDebouncer, repFaults, type ActiveFault, type FrameChecks } from './form-rules.ts';
import { formScore, scoreParts } from './form-score.ts';
import type { Side } from './landmarks.ts';
import { OneEuroFilter } from './one-euro-filter.ts';
import { RepCounter, type RepEvent } from './rep-counter.ts';
import type { SceneUpdate } from './scene-guard.ts';
import { readSignal, SideSelector, viewOf, type Skeleton } from './signals.ts';
import type { RepRecord } from './types.ts';

/**
 * Longest the primary signal may be unreadable (occluded limb) before the rep in progress is
 * dropped. Limbs vanish for a second or two at the far end of real reps (arms at the bar of a
 * pull-up, forearms pointing at the camera at the bottom of a push-up) and come back where they left.
 */
const UNREADABLE_ABORT_S = 2.0;
/** Longest frame gap that still counts as continuous time for holds. */
const MAX_DT = 0.5;

export interface TrackerFrame {
  /** Smoothed display angle (or primary signal), null when it cannot be read. */
  angle: number | null;
  phase: string;
  faults: ActiveFault[];
  rep?: RepRecord;
  holdSeconds?: number;
  inPosition?: boolean;
}

/** A tracker's counted state, as plain JSON (SessionAnalyzer.snapshot). */
export interface TrackerCounts {
  reps: RepRecord[];
  holdSeconds: number;
  holdInPositionS: number;
  holdBouts: [number, number][];
}

interface Sample {
  t: number;
  value: number;
  raw: number;
  /** The display angle: this frame's reading, else the last one (null before the first). */
  display: number | null;
  /** The display signal was read in this frame (not carried over from an earlier one). */
  displayRead: boolean;
  side: boolean;
  checks: FrameChecks;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

function longestGap(times: readonly number[]): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
  return gap;
}

export class ExerciseTracker {
  readonly reps: RepRecord[] = [];
  holdSeconds = 0;
  /** Hold bouts in good form, [start, end], for sets. */
  readonly holdBouts: [number, number][] = [];
  private holdInPositionS = 0;
  private readonly smoother = new OneEuroFilter();
  private readonly displaySmoother = new OneEuroFilter();
  private readonly scale = new BodyScale();
  private readonly counter: RepCounter | null;
  private readonly sides: SideSelector;
  private readonly faults: FaultDebouncer;
  private samples: Sample[] = [];
  private lastReadableT: number | null = null;
  private lastT: number | null = null;
  private lastDisplay: number | null = null;
  /** Running mean of |raw − smoothed|, the signal's jitter. */
  private jitter = 0;

  constructor(readonly def: ExerciseDefinition) {
    this.counter = def.reps ? new RepCounter(def.reps) : null;
    this.sides = new SideSelector((def.display ?? def.primary).measure);
    this.faults = new FaultDebouncer(def.rules);
  }

  get repCount(): number {
    return this.reps.length;
  }

  /** Share of in-position hold time that was in good form, 0–100. */
  get holdFormScore(): number {
    return this.holdInPositionS > 0 ? Math.round((100 * this.holdSeconds) / this.holdInPositionS) : 0;
  }

  /** What a resumed session keeps: counted reps and hold time, not the movement in progress. */
  counts(): TrackerCounts {
    return {
      reps: this.reps.map((r) => ({ ...r, faults: r.faults.map((f) => ({ ...f })) })),
      holdSeconds: this.holdSeconds,
      holdInPositionS: this.holdInPositionS,
      holdBouts: this.holdBouts.map(([a, b]) => [a, b] as [number, number]),
    };
  }

  restoreCounts(counts: TrackerCounts): void {
    this.interrupt();
    this.reps.splice(0, this.reps.length, ...counts.reps.map((r) => ({ ...r, faults: r.faults.map((f) => ({ ...f })) })));
    this.holdSeconds = counts.holdSeconds;
    this.holdInPositionS = counts.holdInPositionS;
    this.holdBouts.splice(0, this.holdBouts.length, ...counts.holdBouts.map(([a, b]) => [a, b] as [number, number]));
  }

  /** Forget the movement in progress (not the reps): after a cut, an absence, or when re-activated. */
  interrupt(): void {
    this.counter?.abort();
    this.smoother.reset();
    this.displaySmoother.reset();
    this.scale.reset();
    this.sides.reset();
    this.faults.reset();
    this.samples = [];
    this.lastReadableT = null;
    this.lastDisplay = null;
  }

  process(t: number, skeleton: Skeleton | null, scene: SceneUpdate): TrackerFrame {
    if (scene.interrupted) this.interrupt();
    const dt = this.lastT === null ? 0 : Math.min(MAX_DT, Math.max(0, t - this.lastT));
    this.lastT = t;
    if (skeleton === null || scene.state === 'absent' || scene.state === 'jump') {
      // A held-back frame may be a detector glitch: show the last good angle rather than the glitch.
      return { angle: scene.state === 'jump' ? this.lastDisplay : null, phase: 'setup', faults: [] };
    }
    const s: Skeleton = { ...skeleton, scale: this.scale.update(t, skeleton) };
    const side = this.sides.update(s);
    const reading = readSignal(s, this.def.primary, side);
    if (reading === null) {
      if (this.lastReadableT !== null && t - this.lastReadableT > UNREADABLE_ABORT_S) {
        this.counter?.abort();
        this.smoother.reset();
        this.displaySmoother.reset();
        this.samples = [];
        this.lastReadableT = null;
      }
      this.lastDisplay = null;
      return { angle: null, phase: 'setup', faults: [] };
    }
    this.lastReadableT = t;
    const value = this.smoother.filter(reading.value, t);
    // About 2 s of memory at 30 fps: long enough to average over a rep, short enough to follow a change of view.
    this.jitter += (Math.abs(reading.value - value) - this.jitter) * 0.02;
    this.counter?.setNoise(this.jitter);
    let display: number | null = value;
    let displayRead = true;
    if (this.def.display) {
      // A display angle not read yet stays null: the primary may be a distance, not an angle.
      const d = readSignal(s, this.def.display, side);
      displayRead = d !== null;
      display = d === null ? this.lastDisplay : this.displaySmoother.filter(d.value, t);
    }
    this.lastDisplay = display;
    const counting = scene.state === 'tracking';
    const ruleSide = reading.side ?? side;

    if (this.def.hold) return this.processHold(t, dt, s, ruleSide, display, counting);

    const counter = this.counter;
    if (!counter || !counting) return { angle: display, phase: 'setup', faults: [] };

    const checks = checkFrame(this.def.rules, s, ruleSide, counter.phase, true);
    this.samples.push({ t, value, raw: reading.value, display, displayRead, side: viewOf(s) === 'side', checks });
    const keep = (this.def.reps?.maxDurationS ?? 20) + 2;
    while ((this.samples[0]?.t ?? t) < t - keep) this.samples.shift();

    const event = counter.update(value, t);
    const frame: TrackerFrame = { angle: display, phase: this.phaseName(counter.phase), faults: this.faults.update(t, checks) };
    if (event) frame.rep = this.record(event);
    return frame;
  }

  /** The input has ended: a rep already most of the way back counts (see RepCounter.finish). */
  finish(): RepRecord | null {
    const event = this.counter?.finish() ?? null;
    return event ? this.record(event) : null;
  }

  private record(event: RepEvent): RepRecord {
    const window = this.samples.filter((s) => s.t >= event.startT && s.t <= event.endT);
    this.samples = this.samples.filter((s) => s.t >= event.endT);
    // Rep records keep angles: the display readings when there were any, else the primary signal.
    const read = window.map((s) => s.display).filter((d): d is number => d !== null);
    const shown = read.length > 0 ? read : window.map((s) => s.value);
    const sideFrames = window.filter((s) => s.side).length;
    const rep = {
      values: window.map((s) => s.value),
      display: shown,
      view: sideFrames * 2 > window.length ? ('side' as const) : ('front' as const),
      checks: window.map((s) => s.checks),
      duration: event.endT - event.startT,
      partial: event.partial === true,
      longestGapS: longestGap(window.map((s) => s.t)),
      longestDisplayGapS: longestGap([event.startT, ...window.filter((s) => s.displayRead).map((s) => s.t), event.endT]),
    };
    const away = event.turnT - event.startT;
    const back = event.endT - event.turnT;
    const eccentricAway = this.def.reps?.away === 'eccentric';
    const record: RepRecord = {
      exercise: this.def.name,
      index: this.reps.length + 1,
      start_time: round(event.startT, 3),
      end_time: round(event.endT, 3),
      duration: round(rep.duration, 3),
      eccentric_s: round(eccentricAway ? away : back, 3),
      concentric_s: round(eccentricAway ? back : away, 3),
      range_of_motion: round(Math.max(...shown) - Math.min(...shown), 1),
      min_angle: round(Math.min(...shown), 1),
      max_angle: round(Math.max(...shown), 1),
      form_score: 0,
      faults: repFaults(this.def, rep),
    };
    record.form_score = formScore(scoreParts(this.def, rep, window.map((s) => s.raw), event.depth, record.faults.length));
    this.reps.push(record);
    return record;
  }

  private phaseName(phase: 'near' | 'far'): string {
    const restHigh = this.def.reps?.rest === 'high';
    return (phase === 'near') === restHigh ? 'up' : 'down';
  }

  private processHold(t: number, dt: number, s: Skeleton, side: Side | null, display: number | null, counting: boolean): TrackerFrame {
    const hold = this.def.hold;
    if (!hold) return { angle: display, phase: 'setup', faults: [] };
    const inPosition = hold.position.every((p) => {
      const r = readSignal(s, p.signal, side);
      return r !== null && (p.min === undefined || r.value >= p.min) && (p.max === undefined || r.value <= p.max);
    });
    const holdSeconds = () => round(this.holdSeconds, 1);
    if (!inPosition) {
      this.faults.reset();
      return { angle: display, phase: 'setup', faults: [], holdSeconds: holdSeconds(), inPosition };
    }
    const active = this.faults.update(t, checkFrame(this.def.rules, s, side, 'hold', false));
    const good = !active.some((f) => f.severity === 'error');
    if (counting) {
      this.holdInPositionS += dt;
      if (good) {
        this.holdSeconds += dt;
        const last = this.holdBouts[this.holdBouts.length - 1];
        if (last && t - last[1] <= MAX_DT + 0.05) last[1] = t;
        else this.holdBouts.push([t, t]);
      }
    }
    return { angle: display, phase: 'hold', faults: active, holdSeconds: holdSeconds(), inPosition };
  }
}

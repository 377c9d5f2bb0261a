/**
 * Counts repetitions on one smoothed scalar with hysteresis relative to what the person
 * actually does. Fixed thresholds (AIGym: "down below 90°, up above 160°") miss shallow
 * reps and count jitter near a threshold; here a rep is an excursion away from rest of at
 * least `enter` followed by a return of most of that excursion, where `enter` scales with
 * the depth of the person's recent reps and never drops below the exercise's minimum.
 */
import type { RepSpec } from './exercise-definition.ts';

export type CounterPhase = 'near' | 'far';

export interface RepEvent {
  startT: number;
  /** Time of the far extreme (bottom of a squat, top of a curl). */
  turnT: number;
  endT: number;
  /** Excursion, signal units. */
  depth: number;
  /** The rep began before the first frame seen. */
  partial?: boolean;
}

/** Share of the excursion that must be recovered for the rep to count. */
const RETURN_SHARE = 0.5;
/** A rep must go at least this share of the typical recent depth. */
const RELATIVE_ENTER = 0.35;
const DEPTH_MEMORY = 5;
/** A rep must stand this many times above the measured jitter of the signal. */
const NOISE_MULTIPLE = 4;
/**
 * A session that opens mid-rep (a clip cut in at the bottom of a squat) shows only the way
 * back to rest. That return counts when it covers this share of the nominal range and came
 * before any other movement: a smaller rise is settling in, not a rep.
 */
const OPENING_SHARE = 0.6;
/**
 * The mirror case: a recording that ends on the way back from the far end (the clip is cut
 * as the lifter stands up). When the input ends, a rep whose return already covers this
 * share of its excursion counts. Only offline analysis knows an input has ended; a live
 * session may still resume, so it never calls `finish`.
 */
const CLOSING_SHARE = 0.3;

export class RepCounter {
  private phase_: CounterPhase = 'near';
  /** Orientation-normalised: `top` is the rest extreme, `bottom` the far one. */
  private top: number | null = null;
  private topT = 0;
  private bottom = 0;
  private bottomT = 0;
  private startT = 0;
  private depths: number[] = [];
  private noise = 0;
  /** True until the first movement is understood: the first value may be mid-rep. */
  private opening = true;
  private seen = false;
  private openLow = 0;
  private openLowT = 0;
  private firstT = 0;
  private lastV = 0;
  private lastT = 0;

  constructor(private readonly spec: RepSpec) {}

  get phase(): CounterPhase {
    return this.phase_;
  }

  /** The smallest excursion that starts a rep right now. */
  get enterThreshold(): number {
    const floor = Math.max(this.spec.minAmplitude, NOISE_MULTIPLE * this.noise);
    if (this.depths.length === 0) return floor;
    const sorted = [...this.depths].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    return Math.max(floor, RELATIVE_ENTER * median);
  }

  /**
   * Tells the counter how much the raw signal shakes around its smoothed value (the tracker
   * measures it). Jitter that survives smoothing wanders by a few times this, so no excursion
   * that small can count: a low-visibility side view raises the bar by itself.
   */
  setNoise(level: number): void {
    this.noise = level;
  }

  update(value: number, t: number): RepEvent | null {
    const v = this.spec.rest === 'high' ? value : -value;
    this.lastV = v;
    this.lastT = t;
    if (this.top === null) {
      this.top = v;
      this.topT = t;
      if (!this.seen) {
        this.seen = true;
        this.firstT = t;
        this.openLow = v;
        this.openLowT = t;
      }
      return null;
    }
    if (this.phase_ === 'near') {
      if (this.opening) {
        const opened = this.openingRep(v, t);
        if (opened) return opened;
      }
      if (v >= this.top) {
        this.top = v;
        this.topT = t;
      } else if (this.top - v >= this.enterThreshold) {
        this.opening = false;
        this.phase_ = 'far';
        this.startT = this.topT;
        this.bottom = v;
        this.bottomT = t;
      }
      return null;
    }
    if (v < this.bottom) {
      this.bottom = v;
      this.bottomT = t;
    }
    if (t - this.startT > this.spec.maxDurationS) {
      // A pause this long at the far end is a rest, not a rep in progress.
      this.restartAt(v, t);
      return null;
    }
    const depth = this.top - this.bottom;
    if (v - this.bottom < RETURN_SHARE * depth) return null;
    const event: RepEvent = { startT: this.startT, turnT: this.bottomT, endT: t, depth };
    this.restartAt(v, t);
    if (event.endT - event.startT < this.spec.minDurationS) return null;
    this.depths.push(depth);
    if (this.depths.length > DEPTH_MEMORY) this.depths.shift();
    return event;
  }

  /**
   * The first movement seen rose from a low towards rest without a descent before it: the
   * session opened part way through a rep. It counts once the rise is a nominal-sized
   * return; the rep is dated from the first frame.
   */
  private openingRep(v: number, t: number): RepEvent | null {
    if (v < this.openLow) {
      this.openLow = v;
      this.openLowT = t;
    }
    if (t - this.firstT > this.spec.maxDurationS) {
      this.opening = false;
      return null;
    }
    const rise = v - this.openLow;
    if (rise < Math.max(this.enterThreshold, OPENING_SHARE * this.spec.amplitude)) return null;
    this.opening = false;
    const event: RepEvent = { startT: this.firstT, turnT: this.openLowT, endT: t, depth: rise, partial: true };
    this.restartAt(v, t);
    if (event.endT - event.startT < this.spec.minDurationS) return null;
    this.depths.push(rise);
    return event;
  }

  /**
   * The input has ended (a recording's last frame): a rep on its way back that has already
   * recovered `CLOSING_SHARE` of its excursion counts, marked partial. Returns null otherwise.
   */
  finish(): RepEvent | null {
    if (this.phase_ !== 'far' || this.top === null || this.lastT <= this.bottomT) return null;
    const depth = this.top - this.bottom;
    if (this.lastV - this.bottom < CLOSING_SHARE * depth) return null;
    const event: RepEvent = { startT: this.startT, turnT: this.bottomT, endT: this.lastT, depth, partial: true };
    this.restartAt(this.lastV, this.lastT);
    if (event.endT - event.startT < this.spec.minDurationS) return null;
    this.depths.push(depth);
    if (this.depths.length > DEPTH_MEMORY) this.depths.shift();
    return event;
  }

  /** Drops the rep in progress (camera cut, person left); learned depths stay, it is the same person. */
  abort(): void {
    // Movement after a cut or an absence is never the tail of an unseen rep: that would count across the cut.
    if (this.seen) this.opening = false;
    this.phase_ = 'near';
    this.top = null;
  }

  private restartAt(v: number, t: number): void {
    this.phase_ = 'near';
    this.top = v;
    this.topT = t;
  }
}

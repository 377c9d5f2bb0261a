/**
 * Decides whether a frame may feed the rep counters. Phantom reps in edited and home videos
 * come from three things besides jitter: a camera cut (the skeleton jumps, and a joint angle
 * seen from a new viewpoint looks like a rep), a person walking in (legs and arms swing
 * through rep-sized angles), and the detector losing the person. None of them is a rep.
 */
import { bodyFrame, type Skeleton } from './signals.ts';
import { distance, type Point } from './geometry.ts';

export type SceneState = 'absent' | 'settling' | 'tracking' | 'jump' | 'travelling';

export interface SceneUpdate {
  state: SceneState;
  /** True on the frame the scene changed under us (cut, long absence, travel): in-progress reps must be dropped. */
  interrupted: boolean;
}

export interface SceneGuardOptions {
  /** Continuous presence needed after a start, cut or absence before counting resumes. */
  settleS: number;
  /** Absences shorter than this are detector dropouts, not the person leaving. */
  dropoutS: number;
  /** Horizontal hip speed, body scales per second, above which the person is walking. */
  travelLimit: number;
}

const DEFAULTS: SceneGuardOptions = { settleS: 0.25, dropoutS: 0.4, travelLimit: 0.8 };

interface Frame {
  centre: Point;
  scale: number;
  feet: Point | null;
}

/** Feet that moved less than this share of the body scale between two frames stayed planted. */
const PLANTED_FEET = 0.15;

interface Velocity {
  x: number;
  y: number;
}

const STILL: Velocity = { x: 0, y: 0 };

function isJump(prev: Frame, next: Frame, dt: number, velocity: Velocity = STILL): boolean {
  // Real bodies move about one body scale per second at most while exercising; a cut moves
  // the skeleton instantly. The allowance grows with the frame gap so dropped frames are not cuts.
  const gap = Math.min(dt, 0.5);
  const allowance = 0.35 + 1.5 * gap;
  // A fast move (rising out of a squat) that the detector lost for a frame or two comes back
  // where the motion was heading; a cut breaks that continuity. Judge against the nearer of
  // "stayed put" and "kept going".
  const still = Math.hypot(next.centre.x - prev.centre.x, next.centre.y - prev.centre.y);
  const onward = Math.hypot(next.centre.x - prev.centre.x - velocity.x * gap, next.centre.y - prev.centre.y - velocity.y * gap);
  const move = Math.min(still, onward) / prev.scale;
  const zoom = Math.abs(Math.log(next.scale / prev.scale));
  if (move <= allowance && zoom <= 0.25 + Math.min(dt, 0.5)) return false;
  // A body that moved fast on planted feet (standing up out of a squat, a detector that lost the
  // fast part for a few frames) is the same scene: a cut or a zoom moves the feet as well.
  const planted = prev.feet !== null && next.feet !== null && distance(prev.feet, next.feet) < PLANTED_FEET * Math.min(prev.scale, next.scale);
  return !planted;
}

export class SceneGuard {
  private readonly opts: SceneGuardOptions;
  private ref: Frame | null = null;
  private refT = 0;
  /** Velocity of the body centre between the last two accepted frames, image units per second. */
  private velocity: Velocity = STILL;
  private candidate: Frame | null = null;
  private candidateSince = 0;
  private candidateFrames = 0;
  private absentSince: number | null = null;
  private settledSince: number | null = null;
  private history: { t: number; x: number; scale: number }[] = [];
  private travelling = false;
  private seen = false;

  constructor(opts: Partial<SceneGuardOptions> = {}) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  setTravelLimit(limit: number): void {
    this.opts.travelLimit = limit;
  }

  update(t: number, skeleton: Skeleton | null): SceneUpdate {
    if (skeleton === null) return this.absent(t);
    const wasAbsentLong = this.absentSince !== null && t - this.absentSince > this.opts.dropoutS;
    this.absentSince = null;
    const frame = bodyFrame(skeleton);
    if (!(frame.scale > 1e-6)) return this.absent(t);

    if (this.ref === null && !this.seen) {
      // The first sighting needs no settling: clips and sessions often open mid-movement.
      this.seen = true;
      this.restart(t, frame);
      this.settledSince = t - this.opts.settleS;
      return { state: 'tracking', interrupted: true };
    }
    if (this.ref === null || wasAbsentLong) {
      return this.restart(t, frame);
    }

    if (isJump(this.ref, frame, t - this.refT, this.velocity)) {
      // Either a one-frame detector glitch or a real cut: hold the frame back until the
      // skeleton has stayed at its new place for a few frames.
      if (this.candidate !== null && !isJump(this.candidate, frame, 0.1)) {
        this.candidateFrames += 1;
        this.candidate = frame;
        if (this.candidateFrames >= 3 && t - this.candidateSince >= 0.08) return this.restart(t, frame);
      } else {
        this.candidate = frame;
        this.candidateSince = t;
        this.candidateFrames = 1;
      }
      return { state: 'jump', interrupted: false };
    }
    this.candidate = null;
    const dt = t - this.refT;
    this.velocity =
      dt > 0 && dt <= 0.2 ? { x: (frame.centre.x - this.ref.centre.x) / dt, y: (frame.centre.y - this.ref.centre.y) / dt } : STILL;
    this.ref = frame;
    this.refT = t;

    const travel = this.trackTravel(t, frame);
    if (travel) {
      const started = !this.travelling;
      this.travelling = true;
      this.settledSince = null;
      return { state: 'travelling', interrupted: started };
    }
    this.travelling = false;
    if (this.settledSince === null) this.settledSince = t;
    if (t - this.settledSince < this.opts.settleS) return { state: 'settling', interrupted: false };
    return { state: 'tracking', interrupted: false };
  }

  reset(): void {
    this.velocity = STILL;
    this.ref = null;
    this.candidate = null;
    this.absentSince = null;
    this.settledSince = null;
    this.history = [];
    this.travelling = false;
    this.seen = false;
  }

  private absent(t: number): SceneUpdate {
    if (this.absentSince === null) this.absentSince = t;
    const long = t - this.absentSince > this.opts.dropoutS;
    if (long) {
      this.settledSince = null;
      this.history = [];
    }
    return { state: 'absent', interrupted: long };
  }

  private restart(t: number, frame: Frame): SceneUpdate {
    this.velocity = STILL;
    this.ref = frame;
    this.refT = t;
    this.candidate = null;
    this.settledSince = t;
    this.history = [];
    this.travelling = false;
    this.trackTravel(t, frame);
    return { state: 'settling', interrupted: true };
  }

  private trackTravel(t: number, frame: Frame): boolean {
    this.history.push({ t, x: frame.centre.x, scale: frame.scale });
    while (this.history.length > 2 && (this.history[0]?.t ?? t) < t - 1.0) this.history.shift();
    const first = this.history[0];
    // Net displacement over most of a second: a squat's hips shift back and return, a walk keeps going.
    if (!first || t - first.t < 0.6) return false;
    const scale = this.history.reduce((a, h) => a + h.scale, 0) / this.history.length;
    const speed = Math.abs(frame.centre.x - first.x) / scale / (t - first.t);
    // Hysteresis: once walking, slow down to half the limit before counting resumes.
    return speed > (this.travelling ? 0.5 : 1) * this.opts.travelLimit;
  }
}

/**
 * Reads a definition's measures from one skeleton. Visibility gating lives here: a side whose
 * joints the model is unsure of is not read at all, because BlazePose still returns confident-
 * looking coordinates for limbs it cannot see, and those are what make phantom reps.
 */
import { distance, inclineFromVertical, jointAngle, midpoint, signedBend, toPoint, type Point } from './geometry.ts';
import { jointIndex, LM, type Joint, type Side } from './landmarks.ts';
import type { Measure, SignalSpec } from './exercise-definition.ts';
import type { Landmark } from './types.ts';

/** Below this a landmark is treated as unseen. */
export const MIN_VISIBILITY = 0.5;

const SIDES: readonly Side[] = ['left', 'right'];

export interface Skeleton {
  landmarks: readonly Landmark[];
  aspect: number;
  /** Body scale to express distances in; defaults to this frame's torso length. */
  scale?: number;
}

function lm(s: Skeleton, index: number): Landmark {
  const l = s.landmarks[index];
  if (!l) throw new RangeError(`landmark ${index} missing: the pose contract is 33 landmarks`);
  return l;
}

function point(s: Skeleton, joint: Joint, side: Side): Point {
  return toPoint(lm(s, jointIndex(joint, side)), s.aspect);
}

function mid(s: Skeleton, joint: Joint): Point {
  return midpoint(point(s, joint, 'left'), point(s, joint, 'right'));
}

/** Mid-shoulder to mid-hip in this frame. */
export function torsoLength(s: Skeleton): number {
  return distance(mid(s, 'shoulder'), mid(s, 'hip'));
}

function bodyScale(s: Skeleton): number {
  return s.scale ?? torsoLength(s);
}

function bilateral(m: Measure): boolean {
  return m.kind === 'spread' || m.kind === 'offset' || m.kind === 'asymmetry';
}

function joints(m: Measure): readonly Joint[] {
  switch (m.kind) {
    case 'angle':
    case 'bend':
    case 'asymmetry':
      return m.joints;
    case 'incline':
    case 'distance':
      return [m.from, m.to];
    case 'angleDifference':
      return [...m.joints, ...m.minus];
    case 'spread':
      return [m.joint];
    case 'offset':
      return [m.joint, 'hip'];
  }
}

/** The least visible joint a measure needs on one side: a chain is as trustworthy as its weakest link. */
export function sideVisibility(s: Skeleton, m: Measure, side: Side): number {
  let v = 1;
  for (const j of joints(m)) v = Math.min(v, lm(s, jointIndex(j, side))[3]);
  return v;
}

/** A limb segment shorter than this share of the body scale points at the camera: its on-screen angle is noise. */
const MIN_SEGMENT_SHARE = 0.2;

function angleOn(s: Skeleton, js: readonly [Joint, Joint, Joint], side: Side): number | null {
  const a = point(s, js[0], side);
  const b = point(s, js[1], side);
  const c = point(s, js[2], side);
  const minLength = MIN_SEGMENT_SHARE * bodyScale(s);
  if (distance(a, b) < minLength || distance(c, b) < minLength) return null;
  return jointAngle(a, b, c);
}

function axisDistance(a: Point, b: Point, axis: 'x' | 'y' | 'xy'): number {
  if (axis === 'x') return Math.abs(a.x - b.x);
  if (axis === 'y') return Math.abs(a.y - b.y);
  return distance(a, b);
}

/** One side's reading (bilateral measures ignore `side`). */
export function readMeasure(s: Skeleton, m: Measure, side: Side): number | null {
  switch (m.kind) {
    case 'angle':
      return angleOn(s, m.joints, side);
    case 'bend':
      return signedBend(point(s, m.joints[0], side), point(s, m.joints[1], side), point(s, m.joints[2], side));
    case 'incline':
      return inclineFromVertical(point(s, m.from, side), point(s, m.to, side));
    case 'distance': {
      const torso = bodyScale(s);
      if (torso < 1e-6) return null;
      return (100 * axisDistance(point(s, m.from, side), point(s, m.to, side), m.axis)) / torso;
    }
    case 'spread': {
      const torso = bodyScale(s);
      if (torso < 1e-6) return null;
      return (100 * axisDistance(point(s, m.joint, 'left'), point(s, m.joint, 'right'), m.axis)) / torso;
    }
    case 'offset': {
      const torso = bodyScale(s);
      if (torso < 1e-6) return null;
      const off = (100 * (mid(s, m.joint).x - mid(s, 'hip').x)) / torso;
      return m.abs ? Math.abs(off) : off;
    }
    case 'angleDifference': {
      const a = angleOn(s, m.joints, side);
      const b = angleOn(s, m.minus, side);
      return a === null || b === null ? null : a - b;
    }
    case 'asymmetry': {
      const l = angleOn(s, m.joints, 'left');
      const r = angleOn(s, m.joints, 'right');
      return l === null || r === null ? null : Math.abs(l - r);
    }
  }
}

export interface Reading {
  value: number;
  /** The side read, or null for bilateral and combined readings. */
  side: Side | null;
}

/**
 * Reads a signal honouring its side mode and visibility. `preferred` is the side the primary
 * signal currently follows, so rules read the same limb the reps are counted on.
 */
export function readSignal(s: Skeleton, spec: SignalSpec, preferred: Side | null): Reading | null {
  const m = spec.measure;
  if (bilateral(m)) {
    const vis = Math.min(sideVisibility(s, m, 'left'), sideVisibility(s, m, 'right'));
    if (vis < MIN_VISIBILITY) return null;
    const value = readMeasure(s, m, 'left');
    return value === null ? null : { value, side: null };
  }
  if (spec.sides === 'left' || spec.sides === 'right') {
    if (sideVisibility(s, m, spec.sides) < MIN_VISIBILITY) return null;
    const value = readMeasure(s, m, spec.sides);
    return value === null ? null : { value, side: spec.sides };
  }
  if (spec.sides === 'best') {
    const side = preferred ?? bestSide(s, m);
    if (sideVisibility(s, m, side) < MIN_VISIBILITY) return null;
    const value = readMeasure(s, m, side);
    return value === null ? null : { value, side };
  }
  const values: number[] = [];
  for (const side of SIDES) {
    if (sideVisibility(s, m, side) < MIN_VISIBILITY) continue;
    const v = readMeasure(s, m, side);
    if (v !== null) values.push(v);
  }
  if (values.length === 0) return null;
  const value =
    spec.sides === 'min'
      ? Math.min(...values)
      : spec.sides === 'max'
        ? Math.max(...values)
        : values.reduce((a, b) => a + b, 0) / values.length;
  return { value, side: null };
}

export function bestSide(s: Skeleton, m: Measure): Side {
  return sideVisibility(s, m, 'right') > sideVisibility(s, m, 'left') ? 'right' : 'left';
}

/**
 * Follows the better-visible side with hysteresis: in a front view both sides score alike,
 * and flipping between them every other frame would feed the counter two different limbs.
 */
export class SideSelector {
  private side: Side | null = null;

  constructor(
    private readonly measure: Measure,
    private readonly margin = 0.15,
  ) {}

  update(s: Skeleton): Side {
    const l = sideVisibility(s, this.measure, 'left');
    const r = sideVisibility(s, this.measure, 'right');
    if (this.side === null) {
      this.side = r > l ? 'right' : 'left';
      return this.side;
    }
    const mine = this.side === 'left' ? l : r;
    const other = this.side === 'left' ? r : l;
    if (other > mine + this.margin || (mine < MIN_VISIBILITY && other >= MIN_VISIBILITY)) {
      this.side = this.side === 'left' ? 'right' : 'left';
    }
    return this.side;
  }

  get current(): Side | null {
    return this.side;
  }

  reset(): void {
    this.side = null;
  }
}

/** Below this an ankle is not trusted as the body's anchor on the floor. */
const MIN_FEET_VISIBILITY = 0.3;

/**
 * Body centre and scale for camera-cut and travel detection (all four torso points, regardless of
 * visibility), and the feet (mid-ankle) when both ankles are in the picture. The feet tell a fast
 * movement from a camera cut: rising out of a squat moves the torso faster than a cut-detector's
 * allowance, but the feet stay planted, while a cut moves everything.
 */
export function bodyFrame(s: Skeleton): { centre: Point; scale: number; feet: Point | null } {
  const ls = toPoint(lm(s, LM.leftShoulder), s.aspect);
  const rs = toPoint(lm(s, LM.rightShoulder), s.aspect);
  const lh = toPoint(lm(s, LM.leftHip), s.aspect);
  const rh = toPoint(lm(s, LM.rightHip), s.aspect);
  const centre = { x: (ls.x + rs.x + lh.x + rh.x) / 4, y: (ls.y + rs.y + lh.y + rh.y) / 4 };
  const scale = bodySpan(s);
  const la = lm(s, LM.leftAnkle);
  const ra = lm(s, LM.rightAnkle);
  const inView = (a: Landmark) => a[3] >= MIN_FEET_VISIBILITY && a[0] >= 0 && a[0] <= 1 && a[1] >= 0 && a[1] <= 1;
  const feet = inView(la) && inView(ra) ? midpoint(toPoint(la, s.aspect), toPoint(ra, s.aspect)) : null;
  return { centre, scale, feet };
}

/**
 * The body's size in this frame, whatever the view: torso length vanishes in a head-on push-up and
 * shoulder width in a side view; the largest of torso length, shoulder width and 1.3 × hip width
 * survives both (all four torso points, regardless of visibility).
 */
export function bodySpan(s: Skeleton): number {
  const ls = toPoint(lm(s, LM.leftShoulder), s.aspect);
  const rs = toPoint(lm(s, LM.rightShoulder), s.aspect);
  const lh = toPoint(lm(s, LM.leftHip), s.aspect);
  const rh = toPoint(lm(s, LM.rightHip), s.aspect);
  return Math.max(distance(midpoint(ls, rs), midpoint(lh, rh)), distance(ls, rs), 1.3 * distance(lh, rh));
}

/**
 * Front or side view: seen from the side the shoulders overlap, so their on-screen width is a
 * small fraction of the torso length; from the front it is about three quarters of it.
 */
export function viewOf(s: Skeleton): 'front' | 'side' {
  const torso = torsoLength(s);
  const width = distance(point(s, 'shoulder', 'left'), point(s, 'shoulder', 'right'));
  return torso > 1e-6 && width / torso < 0.45 ? 'side' : 'front';
}

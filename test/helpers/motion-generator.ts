/**
 * Parametric skeletons performing library exercises with known rep counts, as full
 * 33-landmark BlazePose sequences. A tiny forward-kinematics body (metres, y up, z the
 * direction the person faces, x their left) is posed per exercise as a function of the rep
 * phase p ∈ [0, 1] (0 = rest, 1 = far end), then filmed from the front or the side.
 * Used by the analysis tests, and later to synthesise classifier training data.
 */
import type { Landmark, PoseObservation } from '../../src/analysis/types.ts';

type Vec3 = [number, number, number];

/** Segment direction: pitch from straight down towards the front (deg), abduction outwards (deg). */
interface Dir {
  p: number;
  a?: number;
}

interface Limb {
  upper: Dir;
  lower: Dir;
}

export interface BodyPose {
  /** Pelvis → shoulder centre. Upright is p = 180. */
  trunk: Dir;
  armL: Limb;
  armR: Limb;
  legL: Limb;
  legR: Limb;
  /** Rotation of the upper body about the vertical through the pelvis (deg, + turns left). */
  twist?: number;
  /** Shoulder elevation, metres. */
  shrug?: number;
  /** Pelvis offset, metres (lateral x, forward z). */
  shiftX?: number;
  /** Which points stay put as the pose changes: the feet on the floor, hands on a bar, or the pelvis on a seat. */
  anchor: 'ground' | 'hands' | 'fixed';
}

const SEG = { torso: 0.5, shoulderW: 0.38, hipW: 0.26, upperArm: 0.3, foreArm: 0.27, hand: 0.08, thigh: 0.43, shin: 0.43, foot: 0.18 };
const rad = (d: number) => (d * Math.PI) / 180;
const lerp = (a: number, b: number, p: number) => a + (b - a) * p;

function dir(d: Dir, sideSign: number): Vec3 {
  const p = rad(d.p);
  const a = rad(d.a ?? 0);
  return [sideSign * Math.sin(a), -Math.cos(a) * Math.cos(p), Math.cos(a) * Math.sin(p)];
}
const add = (a: Vec3, b: Vec3, k = 1): Vec3 => [a[0] + k * b[0], a[1] + k * b[1], a[2] + k * b[2]];

const STAND: Limb = { upper: { p: 0, a: 4 }, lower: { p: 0, a: 4 } };
const ARM_HANG: Limb = { upper: { p: 0, a: 8 }, lower: { p: 8, a: 6 } };

function standing(over: Partial<BodyPose> = {}): BodyPose {
  return { trunk: { p: 180 }, armL: ARM_HANG, armR: ARM_HANG, legL: STAND, legR: STAND, anchor: 'ground', ...over };
}

/** Forearm pitch for an interior elbow angle, bending forwards from the upper arm. */
const elbowBend = (upper: Dir, elbow: number, sign = 1): Dir => ({ p: upper.p + sign * (180 - elbow), a: upper.a ?? 0 });

type PoseFn = (p: number, rep: number) => BodyPose;

/** Per exercise: its pose over the rep, the view it is usually filmed from, and whether it is a hold. */
interface Motion {
  pose: PoseFn;
  view: 'front' | 'side';
  hold?: boolean;
}

const curl: Motion = {
  view: 'side',
  pose: (p) => {
    const upper = { p: 5, a: 6 };
    const arm = { upper, lower: elbowBend(upper, lerp(165, 45, p), 1) };
    return standing({ armL: arm, armR: arm });
  },
};
const benchPose = (incline: number): Motion => ({
  view: 'side',
  pose: (p) => {
    const elbow = lerp(168, 75, p);
    const upper = { p: 180 + incline + 0.8 * (180 - elbow) };
    const arm = { upper, lower: { p: upper.p - (180 - elbow) } };
    const thigh = { p: -90 + incline, a: 8 };
    return { trunk: { p: 90 + incline }, armL: arm, armR: arm, legL: { upper: thigh, lower: { p: 0 } }, legR: { upper: thigh, lower: { p: 0 } }, anchor: 'fixed' };
  },
});
const verticalPull = (seated: boolean): Motion => ({
  view: 'front',
  pose: (p) => {
    const upper = { p: 0, a: lerp(165, 78, p) };
    const arm = { upper, lower: { p: 0, a: lerp(172, 178, p) } };
    const leg: Limb = seated ? { upper: { p: 90, a: 10 }, lower: { p: 0, a: 5 } } : STAND;
    return standing({ armL: arm, armR: arm, legL: leg, legR: leg, anchor: seated ? 'fixed' : 'hands' });
  },
});
const row: Motion = {
  view: 'side',
  pose: (p) => {
    const elbow = lerp(168, 75, p);
    const upper = { p: lerp(-5, -75, p), a: 8 };
    const arm = { upper, lower: { p: upper.p + (180 - elbow) } };
    const leg: Limb = { upper: { p: 20, a: 5 }, lower: { p: -15, a: 5 } };
    return standing({ trunk: { p: 125 }, armL: arm, armR: arm, legL: leg, legR: leg });
  },
};
const raise = (front: boolean): Motion => ({
  view: front ? 'side' : 'front',
  pose: (p) => {
    const lift = lerp(12, 88, p);
    const upper: Dir = front ? { p: lift, a: 6 } : { p: 0, a: lift };
    const arm = { upper, lower: { p: upper.p + (front ? 8 : 0), a: (upper.a ?? 0) + (front ? 0 : 5) } };
    return standing({ armL: arm, armR: arm });
  },
});

const MOTIONS: Record<string, Motion> = {
  squat: {
    view: 'side',
    pose: (p) => {
      const leg = { upper: { p: lerp(0, 88, p), a: 8 }, lower: { p: lerp(0, -25, p), a: 6 } };
      const arm = { upper: { p: lerp(5, 80, p), a: 8 }, lower: { p: lerp(5, 85, p), a: 6 } };
      return standing({ trunk: { p: lerp(180, 140, p) }, legL: leg, legR: leg, armL: arm, armR: arm });
    },
  },
  lunge: {
    view: 'side',
    pose: (p, rep) => {
      const front: Limb = { upper: { p: lerp(10, 88, p), a: 4 }, lower: { p: lerp(0, -5, p), a: 4 } };
      const back: Limb = { upper: { p: lerp(-10, -25, p), a: 4 }, lower: { p: lerp(-5, -100, p), a: 4 } };
      const [legL, legR] = rep % 2 === 0 ? [front, back] : [back, front];
      return standing({ legL, legR, trunk: { p: 180 } });
    },
  },
  'side lunge': {
    view: 'front',
    pose: (p, rep) => {
      const bent: Limb = { upper: { p: lerp(5, 40, p), a: lerp(8, 50, p) }, lower: { p: lerp(0, -20, p), a: lerp(8, -8, p) } };
      const straight: Limb = { upper: { p: 0, a: lerp(8, 32, p) }, lower: { p: 0, a: lerp(8, 32, p) } };
      const [legL, legR] = rep % 2 === 0 ? [bent, straight] : [straight, bent];
      return standing({ legL, legR, trunk: { p: lerp(180, 160, p) }, shiftX: (rep % 2 === 0 ? 1 : -1) * lerp(0, 0.25, p) });
    },
  },
  deadlift: {
    view: 'side',
    pose: (p) => {
      const leg = { upper: { p: lerp(0, 35, p), a: 6 }, lower: { p: lerp(0, -20, p), a: 5 } };
      const arm = { upper: { p: 0, a: 6 }, lower: { p: 0, a: 6 } };
      return standing({ trunk: { p: lerp(180, 95, p) }, legL: leg, legR: leg, armL: arm, armR: arm });
    },
  },
  'romanian deadlift': {
    view: 'side',
    pose: (p) => {
      const leg = { upper: { p: lerp(0, 12, p), a: 6 }, lower: { p: lerp(0, -6, p), a: 5 } };
      const arm = { upper: { p: 0, a: 6 }, lower: { p: 0, a: 6 } };
      return standing({ trunk: { p: lerp(180, 100, p) }, legL: leg, legR: leg, armL: arm, armR: arm });
    },
  },
  'hip thrust': {
    view: 'side',
    pose: (p) => {
      const leg = { upper: { p: lerp(130, 90, p), a: 8 }, lower: { p: lerp(-10, 0, p), a: 6 } };
      const arm = { upper: { p: -90 }, lower: { p: -90 } };
      return { trunk: { p: lerp(-140, -92, p) }, legL: leg, legR: leg, armL: arm, armR: arm, anchor: 'ground' };
    },
  },
  'leg extension': {
    view: 'side',
    pose: (p) => {
      const leg = { upper: { p: 88, a: 6 }, lower: { p: lerp(2, 80, p), a: 4 } };
      return standing({ trunk: { p: 175 }, legL: leg, legR: leg, anchor: 'fixed' });
    },
  },
  'push-up': {
    view: 'side',
    pose: (p) => {
      const elbow = lerp(170, 80, p);
      const theta = 180 - elbow;
      const h = SEG.foreArm + SEG.upperArm * Math.cos(rad(theta));
      const beta = (Math.asin(Math.min(0.9, h / 1.38)) * 180) / Math.PI;
      const upper = { p: -theta - (90 - beta) * 0.1, a: 10 };
      const arm = { upper, lower: { p: 0, a: 8 } };
      const leg = { upper: { p: beta - 90, a: 4 }, lower: { p: beta - 90, a: 3 } };
      return { trunk: { p: 90 + beta }, armL: arm, armR: arm, legL: leg, legR: leg, anchor: 'ground' };
    },
  },
  'bench press': benchPose(0),
  'incline bench press': benchPose(30),
  'decline bench press': benchPose(-15),
  'chest fly machine': {
    view: 'front',
    pose: (p) => {
      const upper = { p: lerp(60, 90, p), a: lerp(75, 5, p) };
      const arm = { upper, lower: { p: upper.p + 10, a: upper.a - 15 } };
      const leg: Limb = { upper: { p: 90, a: 10 }, lower: { p: 0, a: 5 } };
      return standing({ armL: arm, armR: arm, legL: leg, legR: leg, anchor: 'fixed' });
    },
  },
  'tricep dips': {
    view: 'side',
    pose: (p) => {
      const elbow = lerp(170, 85, p);
      const upper = { p: -(180 - elbow) * 0.9 - 5, a: 5 };
      const arm = { upper, lower: { p: upper.p + (180 - elbow) } };
      const leg: Limb = { upper: { p: 80, a: 6 }, lower: { p: 10, a: 4 } };
      return standing({ armL: arm, armR: arm, legL: leg, legR: leg, anchor: 'hands' });
    },
  },
  'barbell biceps curl': curl,
  'hammer curl': curl,
  'tricep Pushdown': {
    view: 'side',
    pose: (p) => {
      const upper = { p: 8, a: 6 };
      const arm = { upper, lower: elbowBend(upper, lerp(80, 172, p), 1) };
      return standing({ trunk: { p: 172 }, armL: arm, armR: arm });
    },
  },
  'overhead triceps extension': {
    view: 'side',
    pose: (p) => {
      const upper = { p: 170, a: 8 };
      const elbow = lerp(55, 175, p);
      const arm = { upper, lower: { p: upper.p + (180 - elbow) } };
      return standing({ armL: arm, armR: arm });
    },
  },
  'shoulder press': {
    view: 'front',
    pose: (p) => {
      const upper = { p: 0, a: lerp(95, 165, p) };
      const arm = { upper, lower: { p: 0, a: lerp(178, 172, p) } };
      return standing({ armL: arm, armR: arm });
    },
  },
  'lateral raise': raise(false),
  'front raise': raise(true),
  shrug: {
    view: 'front',
    pose: (p) => standing({ shrug: lerp(0, 0.07, p) }),
  },
  'pull Up': verticalPull(false),
  'lat pulldown': verticalPull(true),
  't bar row': row,
  'dumbbell row': row,
  plank: {
    view: 'side',
    hold: true,
    pose: () => {
      const arm = { upper: { p: 0, a: 8 }, lower: { p: 90, a: 4 } };
      const leg = { upper: { p: -84, a: 4 }, lower: { p: -84, a: 3 } };
      return { trunk: { p: 96 }, armL: arm, armR: arm, legL: leg, legR: leg, anchor: 'ground' };
    },
  },
  'leg raises': {
    view: 'side',
    pose: (p) => {
      const leg = { upper: { p: lerp(90, 172, p), a: 4 }, lower: { p: lerp(90, 175, p), a: 3 } };
      const arm = { upper: { p: -85, a: 10 }, lower: { p: -85, a: 10 } };
      return { trunk: { p: -90 }, legL: leg, legR: leg, armL: arm, armR: arm, anchor: 'fixed' };
    },
  },
  crunch: {
    view: 'side',
    pose: (p) => {
      const leg = { upper: { p: 140, a: 6 }, lower: { p: -10, a: 4 } };
      const arm = { upper: { p: lerp(-150, -120, p) }, lower: { p: lerp(-60, -30, p) } };
      return { trunk: { p: lerp(-95, -140, p) }, legL: leg, legR: leg, armL: arm, armR: arm, anchor: 'ground' };
    },
  },
  'russian twist': {
    view: 'front',
    pose: (p, rep) => {
      const leg = { upper: { p: 130, a: 10 }, lower: { p: 60, a: 5 } };
      const arm = { upper: { p: 40, a: 0 }, lower: { p: 90, a: -35 } };
      return { trunk: { p: -150 }, legL: leg, legR: leg, armL: arm, armR: arm, twist: (rep % 2 === 0 ? 1 : -1) * lerp(0, 55, p), anchor: 'fixed' };
    },
  },
  'jumping jack': {
    view: 'front',
    pose: (p) => {
      const arm = { upper: { p: 0, a: lerp(12, 165, p) }, lower: { p: 0, a: lerp(10, 172, p) } };
      const leg = { upper: { p: 0, a: lerp(4, 16, p) }, lower: { p: 0, a: lerp(4, 16, p) } };
      return standing({ armL: arm, armR: arm, legL: leg, legR: leg });
    },
  },
};

const WALK: PoseFn = (p) => {
  const s = Math.sin(2 * Math.PI * p);
  const legL = { upper: { p: 25 * s, a: 3 }, lower: { p: 25 * s - Math.max(0, 55 * Math.sin(2 * Math.PI * p + 1)), a: 3 } };
  const legR = { upper: { p: -25 * s, a: 3 }, lower: { p: -25 * s - Math.max(0, 55 * Math.sin(2 * Math.PI * p + 1 + Math.PI)), a: 3 } };
  const armL = { upper: { p: -20 * s, a: 6 }, lower: { p: -20 * s + 20, a: 6 } };
  const armR = { upper: { p: 20 * s, a: 6 }, lower: { p: 20 * s + 20, a: 6 } };
  return standing({ legL, legR, armL, armR });
};

export function generatorExercises(): string[] {
  return Object.keys(MOTIONS);
}

/** 3D joints of a pose, BlazePose order, metres; anchored per the pose's anchor. */
export function bodyPoints(pose: BodyPose): Vec3[] {
  const pelvis: Vec3 = [pose.shiftX ?? 0, 0, 0];
  const lat: Vec3 = [1, 0, 0];
  const trunkDir = dir(pose.trunk, 1);
  const shoulderC = add(add(pelvis, trunkDir, SEG.torso), [0, pose.shrug ?? 0, 0]);
  const headUp = trunkDir;
  const face = dir({ p: pose.trunk.p - 90 }, 1);
  const P: Vec3[] = Array.from({ length: 33 }, () => [0, 0, 0] as Vec3);
  const neck = add(add(pelvis, trunkDir, SEG.torso + 0.08), [0, 0, 0]);
  const headC = add(neck, headUp, 0.12);
  P[0] = add(headC, face, 0.1);
  for (const [i, dx, up] of [[1, 0.015, 0.03], [2, 0.03, 0.03], [3, 0.045, 0.03], [4, -0.015, 0.03], [5, -0.03, 0.03], [6, -0.045, 0.03]] as const) {
    P[i] = add(add(add(headC, face, 0.09), lat, dx), headUp, up);
  }
  P[7] = add(headC, lat, 0.075);
  P[8] = add(headC, lat, -0.075);
  P[9] = add(add(P[0], headUp, -0.04), lat, 0.02);
  P[10] = add(add(P[0], headUp, -0.04), lat, -0.02);
  const sides = [
    { s: 1, arm: pose.armL, leg: pose.legL, sh: 11, el: 13, wr: 15, pinky: 17, index: 19, thumb: 21, hip: 23, kn: 25, an: 27, heel: 29, foot: 31 },
    { s: -1, arm: pose.armR, leg: pose.legR, sh: 12, el: 14, wr: 16, pinky: 18, index: 20, thumb: 22, hip: 24, kn: 26, an: 28, heel: 30, foot: 32 },
  ];
  for (const d of sides) {
    const sh = add(shoulderC, lat, (d.s * SEG.shoulderW) / 2);
    const el = add(sh, dir(d.arm.upper, d.s), SEG.upperArm);
    const foreDir = dir(d.arm.lower, d.s);
    const wr = add(el, foreDir, SEG.foreArm);
    P[d.sh] = sh;
    P[d.el] = el;
    P[d.wr] = wr;
    P[d.pinky] = add(add(wr, foreDir, SEG.hand), lat, d.s * 0.02);
    P[d.index] = add(add(wr, foreDir, SEG.hand), lat, -d.s * 0.01);
    P[d.thumb] = add(add(wr, foreDir, SEG.hand * 0.6), lat, -d.s * 0.03);
    const hip = add(pelvis, lat, (d.s * SEG.hipW) / 2);
    const kn = add(hip, dir(d.leg.upper, d.s), SEG.thigh);
    const an = add(kn, dir(d.leg.lower, d.s), SEG.shin);
    P[d.hip] = hip;
    P[d.kn] = kn;
    P[d.an] = an;
    P[d.heel] = add(an, [0, -0.04, -0.05]);
    P[d.foot] = add(an, [0, -0.05, SEG.foot]);
  }
  if (pose.twist) {
    // Turn the upper body (head, shoulders, arms) about the vertical through the pelvis.
    const c = Math.cos(rad(pose.twist));
    const sn = Math.sin(rad(pose.twist));
    for (let i = 0; i <= 22; i++) {
      const q = P[i] ?? [0, 0, 0];
      P[i] = [q[0] * c + q[2] * sn, q[1], -q[0] * sn + q[2] * c];
    }
  }
  let shift: Vec3 = [0, 0, 0];
  if (pose.anchor === 'ground') shift = [0, -Math.min(...P.map((q) => q[1])), 0];
  else if (pose.anchor === 'hands') shift = [0, 2.2 - Math.max(P[15]?.[1] ?? 0, P[16]?.[1] ?? 0), 0];
  else shift = [0, 0.5, 0];
  return P.map((q) => add(q, shift));
}

export interface GenerateOptions {
  reps?: number;
  fps?: number;
  /** Landmark position noise, standard deviation in normalised image units. */
  noise?: number;
  seed?: number;
  /** Seconds per rep. */
  tempo?: number;
  /** Random spread of each rep's duration, as a share of tempo. */
  tempoJitter?: number;
  /** Share of the full range each rep reaches (1 = full). */
  depth?: number;
  /** Random spread of each rep's depth. */
  depthJitter?: number;
  view?: 'front' | 'side';
  mirror?: boolean;
  aspect?: number;
  /** Still time before the first and after the last rep, seconds. */
  restS?: number;
  /** For holds: seconds in position. */
  holdS?: number;
  /** Visibility of the far side in a side view. */
  farVisibility?: number;
  /** Start time of the first frame. */
  t0?: number;
}

/** Deterministic PRNG (mulberry32) so every generated sequence is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

interface Camera {
  view: 'front' | 'side';
  mirror: boolean;
  aspect: number;
  /** Normalised image height per metre. */
  scale: number;
  cx: number;
  groundY: number;
  farVisibility: number;
}

const MIRROR_PAIRS = (i: number): number => {
  if (i === 0) return 0;
  if (i >= 1 && i <= 3) return i + 3;
  if (i >= 4 && i <= 6) return i - 3;
  return i % 2 === 1 ? i + 1 : i - 1;
};

function film(points: Vec3[], cam: Camera, offsetX = 0): Landmark[] {
  const hipZ = ((points[23]?.[2] ?? 0) + (points[24]?.[2] ?? 0)) / 2;
  const hipX = ((points[23]?.[0] ?? 0) + (points[24]?.[0] ?? 0)) / 2;
  const lms = points.map((q, i): Landmark => {
    // Front: the camera faces the person (their left on image right). Side: the camera is on their left.
    const u = cam.view === 'front' ? q[0] : -q[2];
    const depth = cam.view === 'front' ? -(q[2] - hipZ) : -(q[0] - hipX);
    const x = cam.cx + offsetX + (u * cam.scale) / cam.aspect;
    const y = cam.groundY - q[1] * cam.scale;
    const far = cam.view === 'side' && i >= 11 && i % 2 === 0;
    const farFace = cam.view === 'side' && [4, 5, 6, 8, 10].includes(i);
    const vis = far || farFace ? cam.farVisibility : 0.97;
    return [x, y, (depth * cam.scale) / cam.aspect, vis];
  });
  if (!cam.mirror) return lms;
  return lms.map((_, i) => {
    const src = lms[MIRROR_PAIRS(i)] ?? [0, 0, 0, 0];
    return [1 - src[0], src[1], src[2], src[3]];
  });
}

function addNoise(lms: Landmark[], sigma: number, r: () => number): Landmark[] {
  if (sigma <= 0) return lms;
  return lms.map(([x, y, z, v]) => [x + sigma * gauss(r), y + sigma * gauss(r), z + sigma * gauss(r), Math.min(1, Math.max(0, v + 0.03 * gauss(r)))]);
}

function cameraFor(opts: GenerateOptions, view: 'front' | 'side'): Camera {
  return {
    view,
    mirror: opts.mirror ?? false,
    aspect: opts.aspect ?? 16 / 9,
    scale: 0.42,
    cx: 0.5,
    groundY: 0.9,
    farVisibility: opts.farVisibility ?? 0.35,
  };
}

/** Smooth rep profile: rest → far end → rest, eased at both ends. */
const profile = (u: number) => (1 - Math.cos(2 * Math.PI * u)) / 2;

export function generateExercise(exercise: string, opts: GenerateOptions = {}): PoseObservation[] {
  const motion = MOTIONS[exercise];
  if (!motion) throw new Error(`motion generator: no motion for ${exercise}`);
  const r = rng(opts.seed ?? 1);
  const fps = opts.fps ?? 30;
  const view = opts.view ?? motion.view;
  const cam = cameraFor(opts, view);
  const rest = opts.restS ?? 1;
  const t0 = opts.t0 ?? 0;
  const frames: PoseObservation[] = [];
  let t = t0;
  const emit = (pose: BodyPose) => {
    frames.push({ t, landmarks: addNoise(film(bodyPoints(pose), cam), opts.noise ?? 0, r), aspect: cam.aspect });
    t += 1 / fps;
  };
  const still = (seconds: number, pose: BodyPose) => {
    const n = Math.round(seconds * fps);
    for (let i = 0; i < n; i++) emit(pose);
  };
  still(rest, motion.pose(0, 0));
  if (motion.hold) {
    still(opts.holdS ?? 10, motion.pose(0, 0));
  } else {
    const reps = opts.reps ?? 5;
    for (let k = 0; k < reps; k++) {
      const tempo = (opts.tempo ?? 2) * (1 + (opts.tempoJitter ?? 0) * (2 * r() - 1));
      const depth = Math.min(1, Math.max(0.05, (opts.depth ?? 1) * (1 + (opts.depthJitter ?? 0) * (2 * r() - 1))));
      const n = Math.max(2, Math.round(tempo * fps));
      for (let i = 0; i < n; i++) emit(motion.pose(depth * profile(i / n), k));
    }
  }
  still(rest, motion.pose(0, 0));
  return frames;
}

/** A person walking across the frame (from outside it) into the centre, then standing still. */
export function walkIn(opts: { fps?: number; seconds?: number; aspect?: number; view?: 'front' | 'side'; t0?: number; seed?: number; noise?: number } = {}): PoseObservation[] {
  const fps = opts.fps ?? 30;
  const seconds = opts.seconds ?? 3;
  const cam = cameraFor({ aspect: opts.aspect ?? 16 / 9 }, opts.view ?? 'side');
  const r = rng(opts.seed ?? 7);
  const n = Math.round(seconds * fps);
  const out: PoseObservation[] = [];
  for (let i = 0; i < n; i++) {
    const u = i / n;
    // From off-screen left to the centre at walking pace, 1.8 strides per second.
    const offsetX = (u - 1) * 0.9;
    const lms = addNoise(film(bodyPoints(WALK((i / fps) * 0.9, 0)), cam, offsetX), opts.noise ?? 0, r);
    const inFrame = lms.filter((l) => l[0] >= 0 && l[0] <= 1).length;
    out.push({ t: (opts.t0 ?? 0) + i / fps, landmarks: inFrame < 12 ? null : lms.map((l) => (l[0] < 0 ? [l[0], l[1], l[2], 0.1] : l)), aspect: cam.aspect });
  }
  return out;
}

/** Shifts the times of a sequence to start at t0 (for concatenation). */
export function shiftTime(frames: readonly PoseObservation[], t0: number): PoseObservation[] {
  const start = frames[0]?.t ?? 0;
  return frames.map((f) => ({ ...f, t: f.t - start + t0 }));
}

/** Concatenates sequences back to back at the given frame rate. */
export function concat(parts: readonly (readonly PoseObservation[])[], fps = 30): PoseObservation[] {
  const out: PoseObservation[] = [];
  for (const p of parts) out.push(...shiftTime(p, out.length ? (out[out.length - 1]?.t ?? 0) + 1 / fps : (p[0]?.t ?? 0)));
  return out;
}

/** A camera cut from `atT` on: the whole skeleton is zoomed by `zoom` about the centre and shifted. */
export function cameraCut(frames: readonly PoseObservation[], atT: number, zoom = 1.5, dx = 0.15, dy = -0.05): PoseObservation[] {
  return frames.map((f) => {
    if (f.t < atT || f.landmarks === null) return f;
    return { ...f, landmarks: f.landmarks.map(([x, y, z, v]): Landmark => [0.5 + (x - 0.5) * zoom + dx, 0.5 + (y - 0.5) * zoom + dy, z * zoom, v]) };
  });
}

/** Marks the given landmarks unseen (and jittered, as pose models hallucinate them) between t0 and t1. */
export function occlude(frames: readonly PoseObservation[], indices: readonly number[], t0: number, t1: number, seed = 3): PoseObservation[] {
  const r = rng(seed);
  return frames.map((f) => {
    if (f.t < t0 || f.t > t1 || f.landmarks === null) return f;
    const lms = f.landmarks.map((l, i): Landmark => (indices.includes(i) ? [l[0] + 0.05 * gauss(r), l[1] + 0.05 * gauss(r), l[2], 0.1] : l));
    return { ...f, landmarks: lms };
  });
}

/** Drops the person (null landmarks) between t0 and t1. */
export function absent(frames: readonly PoseObservation[], t0: number, t1: number): PoseObservation[] {
  return frames.map((f) => (f.t >= t0 && f.t <= t1 ? { ...f, landmarks: null } : f));
}

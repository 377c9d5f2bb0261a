/**
 * Trains the default exercise classifier (`npm run train`) and writes `models/<name>/`.
 *
 * Data, per class (every sequence goes through the same feature-window code as inference):
 * - real clips of ../shared/clips, as landmark sequences cached by our own pose pipeline
 *   (.cache/landmarks, `npm run extract`), labelled from the manifest;
 * - labelled landmark sequences of ../shared/landmarks (kaiakol push-up/squat, pose-trainer
 *   curl/front raise/shoulder press/shrug);
 * - synthetic sequences from the motion generator, for every class (the only data for some);
 * - an idle class `none`: standing still, walking in, shifting about.
 * Augmentation: mirror, turn about the vertical axis (another camera bearing), rotation, anisotropic
 * scale, speed, noise, dropped landmarks and frames.
 * Seeded: the same inputs give the same windows, initial weights and batch order.
 *
 * The shipped network is TRAIN_MEMBERS members, each trained on its own synthetic data and draw of
 * windows, fused into one (fuseMembers: the members' logits averaged, one predict call).
 *
 * Usage: npm run train [-- --name workout-pool-v2 --epochs 24 --per-class 320 --seed 7 --members 3 --out models]
 * The module also exports its pieces for scripts/eval-recognition.ts (leave-one-source-out CV).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { listExercises, type Landmark } from '../src/analysis/index.ts';
import { buildFeatureWindow, type PoseFrame } from '../src/recognition/feature-window.ts';
import { featuresPerFrame, SEED_LANDMARKS, type InputContract, type ModelMetadata } from '../src/recognition/model-metadata.ts';
import { generateExercise, generatorExercises, rng, walkIn } from '../test/helpers/motion-generator.ts';
import { listKaiakolClips, loadKaiakol } from '../test/helpers/kaiakol.ts';
import { readNpy } from '../test/helpers/npy.ts';
import { landmarkCachePath, readManifest, REPO_ROOT, SHARED_DIR } from './clips-manifest.ts';

const require = createRequire(import.meta.url);

export const IDLE_CLASS = 'none';

/**
 * The default model's input: 2 s at 15 fps of nose + the seed's 12 landmarks, x/y in the body frame.
 * Legs out of the picture (a camera framing the upper body) are hidden rather than read where the
 * pose model guessed them: those guesses (often a squat or a lunge) decided close-ups of curls and
 * presses (docs/adr-recognition.md, session 10).
 */
export const CONTRACT: InputContract = {
  windowLength: 30,
  frameRate: 15,
  landmarks: ['nose', ...SEED_LANDMARKS],
  channels: ['x', 'y'],
  aspectCorrected: true,
  normalization: { mode: 'body' },
  minCoverage: 0.4,
  hidden: { landmarks: ['left_knee', 'right_knee', 'left_ankle', 'right_ankle'], minVisibility: 0.5 },
};

export type DataKind = 'real-clips' | 'landmark-datasets' | 'synthetic';

export interface Sequence {
  id: string;
  label: string;
  /** Repository the footage came from (the leave-one-source-out group); 'synthetic' for generated. */
  source: string;
  kind: DataKind;
  frames: PoseFrame[];
}

export function classNames(): string[] {
  return [...listExercises(), IDLE_CLASS];
}

// ---------------------------------------------------------------- data sources

interface CachedClip {
  fps: number;
  width: number;
  height: number;
  frames: { t: number; landmarks: Landmark[] | null }[];
}

/** Real clips with a cached landmark sequence and a label among the classes; `until`: stop after the first clip it accepts. */
export function loadClipSequences(classes: readonly string[], until?: (s: Sequence) => boolean): Sequence[] {
  const manifest = readManifest() ?? [];
  const out: Sequence[] = [];
  for (const clip of manifest) {
    if (!classes.includes(clip.label) || clip.label === IDLE_CLASS) continue;
    const path = landmarkCachePath(clip.file);
    if (!existsSync(path)) continue;
    const cached = JSON.parse(readFileSync(path, 'utf8')) as CachedClip;
    const aspect = cached.width / cached.height;
    out.push({
      id: clip.file,
      label: clip.label,
      source: clip.sourceRepo,
      kind: 'real-clips',
      frames: cached.frames.map((f) => ({ t: f.t, landmarks: f.landmarks, aspect })),
    });
    const last = out[out.length - 1];
    if (until && last && until(last)) return [last];
  }
  return until ? [] : out;
}

/** COCO-18 (OpenPose) index → BlazePose index. */
const COCO18_TO_BLAZEPOSE: readonly (number | null)[] = [0, null, 12, 14, 16, 11, 13, 15, 24, 26, 28, 23, 25, 27, 5, 2, 8, 7];
const POSE_TRAINER_LABELS: Record<string, string> = {
  bicep: 'barbell biceps curl',
  frontraise: 'front raise',
  shoulderpress: 'shoulder press',
  shouldershrug: 'shrug',
};

/** pose-trainer sequences (pixels, COCO-18, 0 = missing) as 33-landmark frames; missing points held or guessed. */
function loadPoseTrainer(path: string): PoseFrame[] | null {
  const { shape, data } = readNpy(path);
  const [n = 0, points = 0, dims = 0] = shape;
  if (points !== 18 || dims !== 3 || n < 10) return null;
  const lastSeen = new Map<number, [number, number]>();
  const seenEver = new Set<number>();
  for (let f = 0; f < n; f++) for (let p = 0; p < 18; p++) if ((data[(f * 18 + p) * 3 + 2] ?? 0) > 0.05) seenEver.add(p);
  // Shoulders and hips anchor the body frame: without them the sequence is useless.
  if (![2, 5, 8, 11].every((p) => seenEver.has(p))) return null;
  const frames: PoseFrame[] = [];
  for (let f = 0; f < n; f++) {
    const lms: Landmark[] = Array.from({ length: 33 }, () => [0, 0, 0, 0] as Landmark);
    for (let p = 0; p < 18; p++) {
      const o = (f * 18 + p) * 3;
      if ((data[o + 2] ?? 0) > 0.05) lastSeen.set(p, [(data[o] ?? 0) / 1000, (data[o + 1] ?? 0) / 1000]);
      const bp = COCO18_TO_BLAZEPOSE[p];
      const v = lastSeen.get(p) ?? firstSeen(data, n, p);
      if (bp !== null && bp !== undefined && v) lms[bp] = [v[0], v[1], 0, 0.9];
    }
    guessLegs(lms);
    fillHands(lms);
    frames.push({ t: f / 30, landmarks: lms, aspect: 1 });
  }
  return frames;
}

function firstSeen(data: Float64Array, n: number, p: number): [number, number] | undefined {
  for (let f = 0; f < n; f++) {
    const o = (f * 18 + p) * 3;
    if ((data[o + 2] ?? 0) > 0.05) return [(data[o] ?? 0) / 1000, (data[o + 1] ?? 0) / 1000];
  }
  return undefined;
}

/**
 * Legs never seen (upper-body framing): a standing pair below the hips at visibility 0.2, so that
 * the contract's `hidden` rule treats them as it treats BlazePose's own guesses of unseen legs.
 */
function guessLegs(lms: Landmark[]): void {
  const torso = Math.hypot(((lms[11]?.[0] ?? 0) + (lms[12]?.[0] ?? 0)) / 2 - ((lms[23]?.[0] ?? 0) + (lms[24]?.[0] ?? 0)) / 2, ((lms[11]?.[1] ?? 0) + (lms[12]?.[1] ?? 0)) / 2 - ((lms[23]?.[1] ?? 0) + (lms[24]?.[1] ?? 0)) / 2);
  for (const [hip, knee, ankle] of [[23, 25, 27], [24, 26, 28]] as const) {
    const h = lms[hip];
    if (!h) continue;
    if ((lms[knee]?.[3] ?? 0) === 0) lms[knee] = [h[0], h[1] + 0.85 * torso, 0, 0.2];
    const k = lms[knee] ?? h;
    if ((lms[ankle]?.[3] ?? 0) === 0) lms[ankle] = [k[0], k[1] + 0.85 * torso, 0, 0.2];
  }
}

function fillHands(lms: Landmark[]): void {
  for (const [hand, wrist] of [[17, 15], [19, 15], [21, 15], [18, 16], [20, 16], [22, 16], [29, 27], [31, 27], [30, 28], [32, 28]] as const) {
    const w = lms[wrist];
    if (w) lms[hand] = [w[0], w[1], w[2], w[3]];
  }
}

/** Labelled landmark sequences of ../shared/landmarks. */
export function loadDatasetSequences(classes: readonly string[]): Sequence[] {
  const out: Sequence[] = [];
  for (const clip of listKaiakolClips()) {
    if (!classes.includes(clip.exercise)) continue;
    out.push({ id: `kaiakol:${clip.name}`, label: clip.exercise, source: 'kaiakol/computervision', kind: 'landmark-datasets', frames: loadKaiakol(clip.path) });
  }
  const ptDir = join(SHARED_DIR, 'landmarks', 'pose-trainer', 'poses_compressed');
  for (const [folder, label] of Object.entries(POSE_TRAINER_LABELS)) {
    const dir = join(ptDir, folder);
    if (!existsSync(dir) || !classes.includes(label)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.npy')).sort()) {
      const frames = loadPoseTrainer(join(dir, f));
      if (frames) out.push({ id: `pose-trainer:${f}`, label, source: 'stevenzchen/pose-trainer', kind: 'landmark-datasets', frames });
    }
  }
  return out;
}

const ASPECTS = [16 / 9, 4 / 3, 1, 9 / 16, 4 / 5];

/** Generated sequences of every class the motion generator knows, with varied camera and tempo. */
export function syntheticSequences(classes: readonly string[], perClass: number, seed: number): Sequence[] {
  const r = rng(seed);
  const known = new Set(generatorExercises());
  const out: Sequence[] = [];
  for (const label of classes) {
    if (!known.has(label)) continue;
    for (let k = 0; k < perClass; k++) {
      const frames = generateExercise(label, {
        reps: 3,
        fps: 30,
        seed: Math.floor(r() * 1e9),
        noise: 0.002 + 0.008 * r(),
        tempo: 1.3 + 2 * r(),
        tempoJitter: 0.25,
        depth: 0.7 + 0.3 * r(),
        depthJitter: 0.15,
        ...(r() < 0.3 ? { view: r() < 0.5 ? ('front' as const) : ('side' as const) } : {}),
        mirror: r() < 0.5,
        aspect: pick(ASPECTS, r),
        restS: 0.3,
        holdS: 6,
        farVisibility: 0.2 + 0.5 * r(),
      });
      out.push({ id: `synthetic:${label}:${k}`, label, source: 'synthetic', kind: 'synthetic', frames: toFrames(frames) });
    }
  }
  return out;
}

/** Idle: standing still (swaying), walking in and stopping, small shifts of weight and arms. */
export function idleSequences(count: number, seed: number): Sequence[] {
  const r = rng(seed);
  const standing = ['squat', 'barbell biceps curl', 'lateral raise', 'shoulder press', 'jumping jack', 'deadlift', 'shrug', 'front raise'];
  const out: Sequence[] = [];
  for (let k = 0; k < count; k++) {
    const kind = k % 3;
    let frames: PoseFrame[];
    if (kind === 0) {
      frames = toFrames(walkIn({ fps: 30, seconds: 3 + 2 * r(), view: r() < 0.5 ? 'front' : 'side', seed: Math.floor(r() * 1e9), noise: 0.004 }));
    } else {
      const still = toFrames(
        generateExercise(pick(standing, r), { reps: 0, restS: 2.5, fps: 30, seed: Math.floor(r() * 1e9), noise: 0.003 + 0.006 * r(), mirror: r() < 0.5, aspect: pick(ASPECTS, r), ...(r() < 0.5 ? { view: 'front' as const } : { view: 'side' as const }) }),
      );
      frames = kind === 1 ? still : sway(still, r);
    }
    out.push({ id: `idle:${k}`, label: IDLE_CLASS, source: 'synthetic', kind: 'synthetic', frames });
  }
  return out;
}

/** Slow random drift of the whole body and the wrists: someone waiting, adjusting, talking. */
function sway(frames: PoseFrame[], r: () => number): PoseFrame[] {
  const ax = 0.02 * r();
  const aw = 0.05 * r();
  const f1 = 0.2 + 0.5 * r();
  const f2 = 0.3 + 0.7 * r();
  const ph = 6 * r();
  return frames.map((f) => {
    if (!f.landmarks) return f;
    const dx = ax * Math.sin(2 * Math.PI * f1 * f.t + ph);
    const dw = aw * Math.sin(2 * Math.PI * f2 * f.t);
    return {
      ...f,
      landmarks: f.landmarks.map((l, i): Landmark => {
        const wrist = i === 15 || i === 16 || (i >= 17 && i <= 22);
        return [l[0] + dx + (wrist ? dw * 0.5 : 0), l[1] + (wrist ? -Math.abs(dw) : 0), l[2], l[3]];
      }),
    };
  });
}

function toFrames(obs: readonly { t: number; landmarks: Landmark[] | null; aspect: number }[]): PoseFrame[] {
  return obs.map((o) => ({ t: o.t, landmarks: o.landmarks, aspect: o.aspect }));
}

function pick<T>(a: readonly T[], r: () => number): T {
  return a[Math.floor(r() * a.length) % a.length] as T;
}

// ---------------------------------------------------------------- augmentation and windows

const MIRROR = (i: number): number => (i === 0 ? 0 : i <= 3 ? i + 3 : i <= 6 ? i - 3 : i % 2 === 1 ? i + 1 : i - 1);

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

export interface AugmentOptions {
  mirror: boolean;
  rotationDeg: number;
  /** Turn about the body's vertical axis through the hips (uses the landmarks' depth z): another camera bearing. */
  yawDeg: number;
  stretchX: number;
  speed: number;
  noise: number;
  dropLandmarks: number[];
  dropFrames: number;
  /** Joints pushed out of the picture (visibility 0): the camera framed the person at the shins or the waist. */
  outOfPicture: readonly number[];
}

/** Landmark indices below the frame's lower edge when the camera frames a person at the shins or the waist. */
const OUT_OF_PICTURE = { shins: [27, 28, 29, 30, 31, 32], waist: [25, 26, 27, 28, 29, 30, 31, 32] } as const;

/**
 * Largest turn about the vertical axis (half the windows turn): clip sources differ most in the
 * camera's bearing (front-on, oblique, from behind), which in-plane rotation and stretch cannot make.
 */
const YAW_DEG = 35;

export function randomAugment(r: () => number): AugmentOptions {
  const framing = r();
  const drop: number[] = [];
  if (r() < 0.25) {
    const candidates = [0, 13, 14, 15, 16, 25, 26, 27, 28];
    const k = 1 + Math.floor(r() * 3);
    for (let i = 0; i < k; i++) drop.push(pick(candidates, r));
  }
  return {
    mirror: r() < 0.5,
    rotationDeg: (r() * 2 - 1) * 12,
    yawDeg: r() < 0.5 ? (r() * 2 - 1) * YAW_DEG : 0,
    stretchX: 0.85 + 0.3 * r(),
    speed: 0.75 + 0.6 * r(),
    noise: r() < 0.5 ? 0 : 0.006 * r(),
    dropLandmarks: drop,
    dropFrames: r() < 0.2 ? 0.15 * r() : 0,
    outOfPicture: framing < 0.2 ? OUT_OF_PICTURE.waist : framing < 0.3 ? OUT_OF_PICTURE.shins : [],
  };
}

/** Applies one augmentation to a stretch of frames (time is divided by speed). */
export function augment(frames: readonly PoseFrame[], a: AugmentOptions, r: () => number): PoseFrame[] {
  const valid = frames.filter((f) => f.landmarks);
  const cx = mean(valid.map((f) => ((f.landmarks?.[23]?.[0] ?? 0) + (f.landmarks?.[24]?.[0] ?? 0)) / 2));
  const cy = mean(valid.map((f) => ((f.landmarks?.[23]?.[1] ?? 0) + (f.landmarks?.[24]?.[1] ?? 0)) / 2));
  const cos = Math.cos((a.rotationDeg * Math.PI) / 180);
  const sin = Math.sin((a.rotationDeg * Math.PI) / 180);
  const yawCos = Math.cos((a.yawDeg * Math.PI) / 180);
  const yawSin = Math.sin((a.yawDeg * Math.PI) / 180);
  return frames.map((f) => {
    const t = f.t / a.speed;
    if (!f.landmarks || (a.dropFrames > 0 && r() < a.dropFrames)) return { t, landmarks: null, aspect: f.aspect };
    const asp = f.aspect;
    const src = f.landmarks;
    const lms = src.map((_, i): Landmark => {
      const l = (a.mirror ? src[MIRROR(i)] : src[i]) ?? [0, 0, 0, 0];
      let x = a.mirror ? 2 * cx - l[0] : l[0];
      let y = l[1];
      // Turn about the vertical axis through the hips (x and z share the width's scale; z is
      // relative to the hips), then rotate in the image plane, in true (aspect-corrected) geometry.
      const X0 = (x - cx) * asp;
      const X = (a.yawDeg === 0 ? X0 : X0 * yawCos + l[2] * asp * yawSin) * a.stretchX;
      const Y = y - cy;
      x = cx + (X * cos - Y * sin) / asp;
      y = cy + X * sin + Y * cos;
      if (a.noise > 0) {
        x += (a.noise * gauss(r)) / asp;
        y += a.noise * gauss(r);
      }
      if (a.dropLandmarks.includes(i)) {
        x += (0.08 * gauss(r)) / asp;
        y += 0.08 * gauss(r);
      }
      return [x, y, l[2], a.outOfPicture.includes(i) ? 0 : a.dropLandmarks.includes(i) ? 0.1 : l[3]];
    });
    return { t, landmarks: lms, aspect: asp };
  });
}

function mean(a: readonly number[]): number {
  return a.length ? a.reduce((s, v) => s + v, 0) / a.length : 0;
}

/** Times at which a window could end in this sequence (every `stride` seconds). */
export function windowEnds(seq: Sequence, contract: InputContract, stride: number): number[] {
  const valid = seq.frames.filter((f) => f.landmarks);
  const first = valid[0]?.t;
  const last = valid[valid.length - 1]?.t;
  if (first === undefined || last === undefined) return [];
  const span = (contract.windowLength - 1) / contract.frameRate;
  const out: number[] = [];
  for (let t = Math.min(last, first + span * contract.minCoverage); t <= last + 1e-9; t += stride) out.push(t);
  if (out.length === 0) out.push(last);
  return out;
}

/** One (optionally augmented) window ending at endT, or null where the pose does not cover it. */
export function sampleWindow(seq: Sequence, contract: InputContract, endT: number, r: (() => number) | null): Float32Array | null {
  const span = (contract.windowLength + 1) / contract.frameRate;
  const slice = seq.frames.filter((f) => f.t >= endT - span * 1.6 - 1.2 && f.t <= endT + 1e-9);
  if (!r) return buildFeatureWindow(contract, slice, endT);
  const a = randomAugment(r);
  return buildFeatureWindow(contract, augment(slice, a, r), endT / a.speed);
}

export interface Dataset {
  x: Float32Array[];
  y: number[];
}

/**
 * A class-balanced training set: `perClass` augmented windows per class, drawn from real data
 * (clips and landmark datasets, `realShare` of them where a class has any) and synthetic sequences.
 */
export function buildDataset(sequences: readonly Sequence[], classes: readonly string[], contract: InputContract, perClass: number, seed: number, realShare = 0.65): Dataset {
  const r = rng(seed);
  const x: Float32Array[] = [];
  const y: number[] = [];
  classes.forEach((label, ci) => {
    const real = sequences.filter((s) => s.label === label && s.kind !== 'synthetic');
    const synth = sequences.filter((s) => s.label === label && s.kind === 'synthetic');
    const realEnds = real.map((s) => windowEnds(s, contract, 0.25));
    const synthEnds = synth.map((s) => windowEnds(s, contract, 0.25));
    // Long tutorials contribute more windows than one-rep clips, but not in proportion to length.
    const realWeights = realEnds.map((e) => Math.sqrt(e.length));
    const nReal = real.length === 0 ? 0 : synth.length === 0 ? perClass : Math.round(perClass * realShare);
    let tries = 0;
    let made = 0;
    while (made < perClass && tries < perClass * 20) {
      tries++;
      const useReal = made < nReal;
      const pool = useReal ? real : synth;
      if (pool.length === 0) break;
      const si = useReal ? weightedPick(realWeights, r) : Math.floor(r() * pool.length);
      const seq = pool[si];
      const ends = (useReal ? realEnds : synthEnds)[si];
      if (!seq || !ends || ends.length === 0) continue;
      const w = sampleWindow(seq, contract, pick(ends, r), r);
      if (!w) continue;
      x.push(w);
      y.push(ci);
      made++;
    }
  });
  return { x, y };
}

function weightedPick(weights: readonly number[], r: () => number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = r() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] ?? 0;
    if (u <= 0) return i;
  }
  return weights.length - 1;
}

// ---------------------------------------------------------------- model

/** Width of every hidden layer of one member network. */
const UNITS = 64;

/**
 * A per-frame encoder shared by every frame (two dense layers acting on the last axis: one matrix
 * product for all frames), then max and mean pooling over time, then a small dense head. Pooling
 * makes the decision independent of where in the 2 s window a rep falls and of its tempo, which is
 * what generalises to footage from sources the model never saw (leave-one-source-out 71.6 % → 79.7 %
 * against the earlier flatten-over-time model, docs/adr-recognition.md). Only matrix products and
 * reductions: it trains on the wasm backend (tfjs has no wasm gradient for convolutions), and a
 * decision costs about a millisecond.
 */
export function buildModel(contract: InputContract, classCount: number, seed: number, width = UNITS): tfl.LayersModel {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: seed + k });
  const input = tfl.input({ shape: [contract.windowLength, featuresPerFrame(contract)] });
  const layer = (l: { apply: (x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => unknown }, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => l.apply(x) as tfl.SymbolicTensor;
  let frames = layer(tfl.layers.dense({ units: width, activation: 'relu', kernelInitializer: init(1) }), input);
  frames = layer(tfl.layers.dense({ units: width, activation: 'relu', kernelInitializer: init(2) }), frames);
  const pooled = layer(tfl.layers.concatenate(), [
    layer(tfl.layers.globalMaxPooling1d({}), frames),
    layer(tfl.layers.globalAveragePooling1d({}), frames),
  ]);
  let head = layer(tfl.layers.dropout({ rate: 0.3, seed: seed + 3 }), pooled);
  head = layer(tfl.layers.dense({ units: width, activation: 'relu', kernelInitializer: init(4) }), head);
  head = layer(tfl.layers.dropout({ rate: 0.3, seed: seed + 5 }), head);
  const out = layer(tfl.layers.dense({ units: classCount, activation: 'softmax', kernelInitializer: init(6) }), head);
  return tfl.model({ inputs: input, outputs: out, name: 'workout_pool' });
}

/**
 * K trained members of buildModel's architecture as ONE network of the same depth, K times as wide:
 * the frame encoders side by side (second layer block-diagonal), each member's head reading only its
 * own pooled block, and the output layer averaging the members' logits (softmax of the mean logit,
 * i.e. the normalised geometric mean of their probabilities). One predict call, the same number of
 * layers to dispatch as a single member, so a decision costs about what one member's does.
 */
export function fuseMembers(members: readonly tfl.LayersModel[], contract: InputContract, classCount: number): tfl.LayersModel {
  const k = members.length;
  if (k === 0) throw new Error('fuseMembers: no members');
  const fused = buildModel(contract, classCount, 0, UNITS * k);
  const dense = (m: tfl.LayersModel) => m.layers.filter((l) => l.getClassName() === 'Dense');
  // Per member, per Dense layer: [kernel (in × out), bias (out)].
  const weights = members.map((m) => dense(m).map((l) => l.getWeights().map((w) => w.arraySync())) as [number[][], number[]][]);
  const f = featuresPerFrame(contract);
  const w = UNITS * k;
  const zeros = (rows: number, cols: number) => Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  const enc1 = zeros(f, w);
  const enc2 = zeros(w, w);
  const head = zeros(2 * w, w);
  const out = zeros(w, classCount);
  const bias = [w, w, w, classCount].map((n) => new Array<number>(n).fill(0));
  const put = (m: number[][], row: number, col: number, v: number) => ((m[row] as number[])[col] = v);
  weights.forEach(([l1, l2, l3, l4], m) => {
    const o = m * UNITS;
    l1?.[0].forEach((row, i) => row.forEach((v, j) => put(enc1, i, o + j, v)));
    l2?.[0].forEach((row, i) => row.forEach((v, j) => put(enc2, o + i, o + j, v)));
    // The member's pooled input is [max (UNITS), mean (UNITS)]; the fused one is [max (w), mean (w)].
    l3?.[0].forEach((row, i) => row.forEach((v, j) => put(head, i < UNITS ? o + i : w + o + i - UNITS, o + j, v)));
    l4?.[0].forEach((row, i) => row.forEach((v, j) => put(out, o + i, j, v / k)));
    [l1, l2, l3].forEach((l, n) => l?.[1].forEach((v, j) => ((bias[n] as number[])[o + j] = v)));
    l4?.[1].forEach((v, j) => ((bias[3] as number[])[j] = (bias[3]?.[j] ?? 0) + v / k));
  });
  const kernels = [enc1, enc2, head, out];
  dense(fused).forEach((l, i) => {
    const values = [tf.tensor2d(kernels[i] ?? []), tf.tensor1d(bias[i] ?? [])];
    l.setWeights(values);
    tf.dispose(values);
  });
  return fused;
}

/** wasm (XNNPACK) when it loads, else the pure-JS cpu backend. */
export async function useTrainingBackend(): Promise<string> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')), '/'));
    wasm.setThreadsCount(1);
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return 'wasm';
    }
  } catch {
    // fall through to cpu
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}

export interface TrainOptions {
  epochs: number;
  batchSize?: number;
  seed: number;
  learningRate?: number;
  log?: (line: string) => void;
}

/** Trains with a seeded per-epoch shuffle (tfjs' own shuffle is not seeded). */
export async function trainModel(data: Dataset, contract: InputContract, classCount: number, opts: TrainOptions): Promise<tfl.LayersModel> {
  if (!tf.engine().backendName) await useTrainingBackend();
  const model = buildModel(contract, classCount, opts.seed);
  const lr = opts.learningRate ?? 3e-3;
  const optimizer = tf.train.adam(lr);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const n = data.x.length;
  const f = featuresPerFrame(contract);
  const size = contract.windowLength * f;
  const r = rng(opts.seed + 99);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    }
    // Cosine decay: large steps early, settle late.
    (optimizer as unknown as { learningRate: number }).learningRate = lr * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * epoch) / opts.epochs)));
    const flat = new Float32Array(n * size);
    const labels = new Int32Array(n);
    order.forEach((k, i) => {
      flat.set(data.x[k] ?? new Float32Array(size), i * size);
      labels[i] = data.y[k] ?? 0;
    });
    const xs = tf.tensor3d(flat, [n, contract.windowLength, f]);
    const ys = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classCount), 'float32'));
    const h = await model.fit(xs, ys, { epochs: 1, batchSize: opts.batchSize ?? 64, shuffle: false, verbose: 0 });
    xs.dispose();
    ys.dispose();
    const loss = Number(h.history.loss?.[0] ?? NaN);
    const acc = Number(h.history.acc?.[0] ?? h.history.accuracy?.[0] ?? NaN);
    opts.log?.(`epoch ${epoch + 1}/${opts.epochs}: loss ${loss.toFixed(3)} acc ${acc.toFixed(3)}`);
  }
  return model;
}

/** Probabilities for many windows. */
export function predictWindows(model: tfl.LayersModel, windows: readonly Float32Array[], contract: InputContract, batch = 256): Float32Array[] {
  const f = featuresPerFrame(contract);
  const size = contract.windowLength * f;
  const out: Float32Array[] = [];
  for (let s = 0; s < windows.length; s += batch) {
    const part = windows.slice(s, s + batch);
    const flat = new Float32Array(part.length * size);
    part.forEach((w, i) => flat.set(w, i * size));
    const probs = tf.tidy(() => (model.predict(tf.tensor3d(flat, [part.length, contract.windowLength, f])) as tf.Tensor).dataSync() as Float32Array);
    const c = probs.length / part.length;
    for (let i = 0; i < part.length; i++) out.push(probs.slice(i * c, (i + 1) * c));
  }
  return out;
}

/**
 * Clip-level decision: the mean of the window probabilities over exercise classes (idle windows
 * carry little weight), windows every `stride` seconds. Returns the class index or -1 without windows.
 */
export function classifyClip(model: tfl.LayersModel, seq: Sequence, classes: readonly string[], contract: InputContract, stride = 0.5): { index: number; probs: number[]; windows: Float32Array[] } {
  const windows = windowEnds(seq, contract, stride)
    .map((t) => sampleWindow(seq, contract, t, null))
    .filter((w): w is Float32Array => w !== null);
  if (windows.length === 0) return { index: -1, probs: [], windows: [] };
  const probs = predictWindows(model, windows, contract);
  return { ...decideClip(probs, classes), windows: probs };
}

/** The clip-level decision from its windows' class probabilities (see classifyClip). */
export function decideClip(probs: readonly Float32Array[], classes: readonly string[]): { index: number; probs: number[] } {
  const idle = classes.indexOf(IDLE_CLASS);
  const sum = new Array<number>(classes.length).fill(0);
  for (const p of probs) {
    const active = idle >= 0 ? 1 - (p[idle] ?? 0) : 1;
    for (let c = 0; c < classes.length; c++) if (c !== idle) sum[c] = (sum[c] ?? 0) + (p[c] ?? 0) * (0.2 + active);
  }
  let best = -1;
  for (let c = 0; c < classes.length; c++) if (c !== idle && (best < 0 || (sum[c] ?? 0) > (sum[best] ?? 0))) best = c;
  const total = sum.reduce((a, b) => a + b, 0) || 1;
  return { index: best, probs: sum.map((v) => v / total) };
}

/** Writes model.json + weights.bin + metadata.json into dir. */
export async function saveModelFolder(model: tfl.LayersModel, dir: string, metadata: ModelMetadata): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      const weights = artifacts.weightData;
      const buf = weights instanceof ArrayBuffer ? Buffer.from(weights) : Buffer.concat((weights ?? []).map((b) => Buffer.from(b)));
      writeFileSync(join(dir, 'weights.bin'), buf);
      const json = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } });
    }),
  );
  writeFileSync(join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
}

export function countParams(model: tfl.LayersModel): number {
  return model.countParams();
}

// ---------------------------------------------------------------- main

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

export interface DataSummary {
  perClass: Record<string, { data: DataKind[]; sequences: Record<DataKind, number> }>;
}

export function summarizeData(sequences: readonly Sequence[], classes: readonly string[]): DataSummary {
  const perClass: DataSummary['perClass'] = {};
  for (const c of classes) {
    const counts: Record<DataKind, number> = { 'real-clips': 0, 'landmark-datasets': 0, synthetic: 0 };
    for (const s of sequences) if (s.label === c) counts[s.kind]++;
    perClass[c] = { data: (Object.keys(counts) as DataKind[]).filter((k) => counts[k] > 0), sequences: counts };
  }
  return { perClass };
}

/** The shipped model's training budget; leave-one-source-out evaluates the same recipe by default. */
export const TRAIN_EPOCHS = 24;
export const TRAIN_WINDOWS_PER_CLASS = 320;
/** Synthetic sequences per class (for classes the generator knows) and idle sequences in the training set. */
export const TRAIN_SYNTHETIC_PER_CLASS = 6;
export const TRAIN_IDLE_SEQUENCES = 18;
/** Optimiser settings of the shipped recipe, shared by `npm run train` and the LOSO evaluation. */
export const TRAIN_OPTIMIZER: Pick<TrainOptions, 'batchSize' | 'learningRate'> = { batchSize: 128, learningRate: 4e-3 };

/** Independently trained members fused into the shipped network (fuseMembers). */
export const TRAIN_MEMBERS = 3;

/** Member m's seed (its synthetic data, window draw, initial weights, batch order); member 0 is `seed` itself. */
export const memberSeed = (seed: number, m: number): number => seed + 16 * m;

export interface EnsembleOptions {
  seed: number;
  members: number;
  epochs: number;
  windowsPerClass: number;
  /** Added to each member's window-draw and weight seeds (the leave-one-source-out fold index). */
  offset?: number;
  log?: (line: string) => void;
}

/**
 * The shipped recipe: `members` networks, each trained on the real sequences plus its own synthetic
 * and idle sequences and its own draw of augmented windows, fused into one (a single member as is).
 * Used by `npm run train` and by every leave-one-source-out fold, so the evaluation measures the
 * shipped recipe.
 */
export async function trainEnsemble(real: readonly Sequence[], classes: readonly string[], o: EnsembleOptions): Promise<tfl.LayersModel> {
  const k = o.offset ?? 0;
  const members: tfl.LayersModel[] = [];
  for (let m = 0; m < o.members; m++) {
    const s = memberSeed(o.seed, m);
    const sequences = [...real, ...syntheticSequences(classes, TRAIN_SYNTHETIC_PER_CLASS, s), ...idleSequences(TRAIN_IDLE_SEQUENCES, s + 1)];
    const data = buildDataset(sequences, classes, CONTRACT, o.windowsPerClass, s + 2 + k);
    const log = o.log;
    o.log?.(`member ${m + 1}/${o.members} (seed ${s}): ${data.x.length} windows`);
    members.push(await trainModel(data, CONTRACT, classes.length, { ...TRAIN_OPTIMIZER, epochs: o.epochs, seed: s + k, ...(log ? { log } : {}) }));
  }
  if (members.length === 1 && members[0]) return members[0];
  const fused = fuseMembers(members, CONTRACT, classes.length);
  for (const m of members) m.dispose();
  return fused;
}

async function main(): Promise<void> {
  const name = arg('name', 'workout-pool-v2');
  const epochs = Number(arg('epochs', String(TRAIN_EPOCHS)));
  const perClass = Number(arg('per-class', String(TRAIN_WINDOWS_PER_CLASS)));
  const seed = Number(arg('seed', '7'));
  const members = Number(arg('members', String(TRAIN_MEMBERS)));
  const outDir = resolve(REPO_ROOT, arg('out', 'models'), name);
  const t0 = Date.now();
  const classes = classNames();
  const real = [...loadClipSequences(classes), ...loadDatasetSequences(classes)];
  const sequences = [...real, ...syntheticSequences(classes, TRAIN_SYNTHETIC_PER_CLASS, seed), ...idleSequences(TRAIN_IDLE_SEQUENCES, seed + 1)];
  const summary = summarizeData(sequences, classes);
  console.log(`${real.length} real sequences: ${real.filter((s) => s.kind === 'real-clips').length} clips, ${real.filter((s) => s.kind === 'landmark-datasets').length} dataset sequences; ${members} members × ${perClass} windows per class`);
  const model = await trainEnsemble(real, classes, { seed, members, epochs, windowsPerClass: perClass, log: (l) => console.log(l) });
  // Accuracy on the training clips themselves (optimistic; the honest number is eval-recognition's LOSO).
  const clips = sequences.filter((s) => s.kind === 'real-clips');
  let right = 0;
  for (const c of clips) if (classes[classifyClip(model, c, classes, CONTRACT).index] === c.label) right++;
  const loso = readLoso();
  const metadata: ModelMetadata = {
    format: 'workout-rtc/exercise-classifier',
    name,
    version: '2.0.0',
    description: `${members > 1 ? `${members} independently trained members fused into one network (logits averaged), each a ` : ''}per-frame encoder (2 dense layers) with max and mean pooling over 2 s of BlazePose landmarks (nose + 12 body joints, x/y in the body frame) → 30 library exercises + none.`,
    classes,
    idleClasses: [IDLE_CLASS],
    input: {
      ...CONTRACT,
      note: 'Frames of any rate are resampled to 15 fps; x is aspect-corrected, then centred on the mean hip midpoint and divided by the median torso length. Knees (ankles) out of the picture — both below visibility 0.5 — read as the hip centre.',
    },
    modelFile: 'model.json',
    training: {
      script: 'scripts/train.ts',
      seed,
      members,
      memberSeeds: Array.from({ length: members }, (_, m) => memberSeed(seed, m)),
      epochs,
      windowsPerClass: perClass,
      ...TRAIN_OPTIMIZER,
      syntheticSequencesPerClass: TRAIN_SYNTHETIC_PER_CLASS,
      idleSequences: TRAIN_IDLE_SEQUENCES,
      params: countParams(model),
      sources: {
        'real-clips': 'pose sequences extracted by our pose pipeline (BlazePose lite) from ../shared/clips, labels from manifest.csv',
        'landmark-datasets': '../shared/landmarks: computervision-kaiakol push-up/squat, pose-trainer curl/front raise/shoulder press/shrug',
        synthetic: 'test/helpers/motion-generator.ts, all classes; idle = standing, swaying, walking in',
      },
      augmentation: ['mirror', 'turn about the vertical axis ±35° (half the windows; uses z)', 'rotation ±12°', 'horizontal stretch 0.85–1.15', 'speed 0.75–1.35×', 'noise', 'dropped landmarks', 'dropped frames', 'legs out of the picture (framed at the waist on 20 %, at the shins on 10 % of the windows)'],
      trainedOn: new Date().toISOString().slice(0, 10),
      seconds: Math.round((Date.now() - t0) / 1000),
    },
    accuracy: {
      trainingClipsTop1: clips.length ? Number((right / clips.length).toFixed(3)) : null,
      trainingClips: clips.length,
      ...(loso ? { leaveOneSourceOut: loso } : {}),
    },
    perClass: Object.fromEntries(classes.map((c) => [c, { data: summary.perClass[c]?.data ?? [] }])),
  };
  await saveModelFolder(model, outDir, metadata);
  console.log(`training clips top-1 ${right}/${clips.length}; wrote ${outDir} (${countParams(model)} params) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** The last LOSO evaluation (bench-results/recognition.json), if any, to record in the metadata. */
function readLoso(): Record<string, unknown> | null {
  const p = join(REPO_ROOT, 'bench-results', 'recognition.json');
  if (!existsSync(p)) return null;
  try {
    const j = JSON.parse(readFileSync(p, 'utf8')) as { overall?: Record<string, unknown>; perClass?: Record<string, unknown> };
    return j.overall ?? null;
  } catch {
    return null;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

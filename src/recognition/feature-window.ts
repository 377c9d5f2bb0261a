/**
 * Landmarks → the model's input window, per the metadata's input contract: the landmark subset in
 * its order, resampled from frames of any timing to the model's frame rate, normalised as the model
 * was trained. Pure; training (scripts/train.ts) and inference share this one code path, so the two
 * cannot drift apart.
 */
import type { Landmark } from '../analysis/index.ts';
import { mirrorIndex } from '../analysis/landmarks.ts';
import { BLAZEPOSE_LANDMARKS, featuresPerFrame, type InputContract } from './model-metadata.ts';

export interface PoseFrame {
  /** Seconds, monotonic. */
  t: number;
  landmarks: readonly Landmark[] | null;
  /** Image width / height. */
  aspect: number;
}

export interface WindowOptions {
  /** Valid frames further apart than this split the sequence: only the part after the gap is used. */
  maxGapS?: number;
}

const L_SHOULDER = 11;
const R_SHOULDER = 12;
const L_HIP = 23;
const R_HIP = 24;
const DEFAULT_MAX_GAP_S = 1.0;
const CHANNEL_INDEX = { x: 0, y: 1, z: 2, visibility: 3 } as const;

/** Landmark indices of the contract, in feature order. */
export function landmarkIndices(contract: InputContract): number[] {
  return contract.landmarks.map((name) => BLAZEPOSE_LANDMARKS.indexOf(name));
}

type ValidFrame = PoseFrame & { landmarks: readonly Landmark[] };

function isValid(f: PoseFrame): f is ValidFrame {
  return f.landmarks !== null && f.landmarks.length >= BLAZEPOSE_LANDMARKS.length;
}

/** Index of the last valid frame with t ≤ s (binary search over valid frames), or -1. */
function lastAtOrBefore(valid: readonly ValidFrame[], s: number): number {
  let lo = 0;
  let hi = valid.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((valid[mid]?.t ?? Infinity) <= s) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/**
 * The window ending at `endT` (default: the last frame's time), as a Float32Array of
 * windowLength × features (frame-major, then landmark, then channel), or null when real frames
 * cover less than the contract's minCoverage of it. Before the first frame the window is padded
 * with the first frame; between frames it is interpolated linearly.
 */
export function buildFeatureWindow(
  contract: InputContract,
  frames: readonly PoseFrame[],
  endT?: number,
  opts: WindowOptions = {},
): Float32Array | null {
  const maxGap = opts.maxGapS ?? DEFAULT_MAX_GAP_S;
  const last = frames[frames.length - 1];
  if (!last) return null;
  const end = endT ?? last.t;
  let valid = frames.filter(isValid).filter((f) => f.t <= end + 1e-9);
  // A long gap means the person left (or the camera cut away): only the stretch since counts.
  for (let i = valid.length - 1; i > 0; i--) {
    if ((valid[i]?.t ?? 0) - (valid[i - 1]?.t ?? 0) > maxGap) {
      valid = valid.slice(i);
      break;
    }
  }
  const first = valid[0];
  const lastValid = valid[valid.length - 1];
  if (!first || !lastValid || end - lastValid.t > maxGap) return null;

  const n = contract.windowLength;
  const dt = 1 / contract.frameRate;
  const start = end - (n - 1) * dt;
  const span = Math.max(dt, end - start);
  const covered = Math.min(end, lastValid.t + dt) - Math.max(start, first.t);
  if (covered / span < contract.minCoverage - 1e-9) return null;

  const idx = landmarkIndices(contract);
  const channels = contract.channels.map((c) => CHANNEL_INDEX[c]);
  const perFrame = featuresPerFrame(contract);
  const out = new Float32Array(n * perFrame);
  const body = contract.normalization.mode === 'body';
  // Per contract landmark: its left/right partner's index where the contract may hide it, else -1.
  const hide = contract.hidden;
  const partners = hide ? contract.landmarks.map((name) => (hide.landmarks.includes(name) ? mirrorIndex(BLAZEPOSE_LANDMARKS.indexOf(name)) : -1)) : null;
  const hidden = partners ? new Uint8Array(n * idx.length) : null;
  const hipX = new Float64Array(n);
  const hipY = new Float64Array(n);
  const torso = new Float64Array(n);

  for (let i = 0; i < n; i++) {
    const s = start + i * dt;
    const k = lastAtOrBefore(valid, s);
    const a = valid[Math.max(0, k)] ?? first;
    const b = valid[k + 1] ?? a;
    const w = k < 0 || b === a ? 0 : Math.min(1, Math.max(0, (s - a.t) / Math.max(1e-9, b.t - a.t)));
    const la = a.landmarks;
    const lb = b.landmarks;
    const aspect = contract.aspectCorrected ? (k < 0 ? a.aspect : a.aspect + (b.aspect - a.aspect) * w) || 1 : 1;
    const value = (li: number, ci: number): number => {
      const va = la[li]?.[ci] ?? 0;
      const v = va + ((lb[li]?.[ci] ?? va) - va) * w;
      return ci === 0 || ci === 2 ? v * aspect : v;
    };
    let o = i * perFrame;
    for (const li of idx) {
      for (const ci of channels) out[o++] = value(li, ci);
    }
    if (hide && partners && hidden) {
      for (let k = 0; k < idx.length; k++) {
        const partner = partners[k] ?? -1;
        if (partner >= 0 && value(idx[k] ?? 0, 3) < hide.minVisibility && value(partner, 3) < hide.minVisibility) hidden[i * idx.length + k] = 1;
      }
    }
    if (body) {
      const hx = (value(L_HIP, 0) + value(R_HIP, 0)) / 2;
      const hy = (value(L_HIP, 1) + value(R_HIP, 1)) / 2;
      const sx = (value(L_SHOULDER, 0) + value(R_SHOULDER, 0)) / 2;
      const sy = (value(L_SHOULDER, 1) + value(R_SHOULDER, 1)) / 2;
      hipX[i] = hx;
      hipY[i] = hy;
      torso[i] = Math.hypot(sx - hx, sy - hy);
    }
  }
  // In the body frame 0 is the hip centre, so hidden joints are zeroed after normalising; in the
  // other modes before, so that guessed positions do not set the max-abs scale.
  if (hidden && !body) zeroHidden(out, hidden, channels.length);
  normalize(contract, out, perFrame, channels, body ? { hipX, hipY, torso } : null);
  if (hidden && body) zeroHidden(out, hidden, channels.length);
  return out;
}

function zeroHidden(out: Float32Array, hidden: Uint8Array, channelCount: number): void {
  for (let h = 0; h < hidden.length; h++) if (hidden[h]) out.fill(0, h * channelCount, (h + 1) * channelCount);
}

function normalize(
  contract: InputContract,
  out: Float32Array,
  perFrame: number,
  channels: readonly number[],
  body: { hipX: Float64Array; hipY: Float64Array; torso: Float64Array } | null,
): void {
  const mode = contract.normalization.mode;
  if (mode === 'none') return;
  if (mode === 'max-abs') {
    let m = 0;
    for (const v of out) m = Math.max(m, Math.abs(v));
    if (m > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / m;
    return;
  }
  if (!body) return;
  const cx = mean(body.hipX);
  const cy = mean(body.hipY);
  const scale = Math.max(1e-3, median(body.torso));
  const nc = channels.length;
  for (let i = 0; i < out.length; i++) {
    const ci = channels[(i % perFrame) % nc];
    const v = out[i] ?? 0;
    if (ci === 0) out[i] = (v - cx) / scale;
    else if (ci === 1) out[i] = (v - cy) / scale;
    else if (ci === 2) out[i] = v / scale;
  }
}

function mean(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return a.length ? s / a.length : 0;
}

function median(a: Float64Array): number {
  const s = Array.from(a).sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/**
 * A rolling history of recent frames for live use: push every frame, ask for the window ending
 * now. Keeps only what the window (plus the gap allowance) can reach.
 */
export class FeatureWindowBuffer {
  private frames: PoseFrame[] = [];
  private readonly keepS: number;

  constructor(
    private readonly contract: InputContract,
    private readonly opts: WindowOptions = {},
  ) {
    this.keepS = (contract.windowLength + 2) / contract.frameRate + (opts.maxGapS ?? DEFAULT_MAX_GAP_S);
  }

  push(frame: PoseFrame): void {
    const prev = this.frames[this.frames.length - 1];
    // Time went backwards (a new stream): the old history belongs to something else.
    if (prev && frame.t < prev.t) this.frames = [];
    this.frames.push(frame);
    const cutoff = frame.t - this.keepS;
    let drop = 0;
    while (drop < this.frames.length && (this.frames[drop]?.t ?? 0) < cutoff) drop++;
    if (drop > 0) this.frames.splice(0, drop);
  }

  reset(): void {
    this.frames = [];
  }

  /** The window ending at the newest frame, or null when there is not enough pose yet. */
  window(): Float32Array | null {
    return buildFeatureWindow(this.contract, this.frames, undefined, this.opts);
  }
}

/**
 * Loads the computervision-kaiakol landmark sequences (../shared/landmarks) as pose
 * observations: (frames, 17, 3) MediaPipe subset → 33 BlazePose landmarks.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Landmark, PoseObservation } from '../../src/analysis/types.ts';
import { readNpy } from './npy.ts';

export const SHARED_DIR = resolve(import.meta.dirname, '../../../shared');
export const KAIAKOL_DIR = join(SHARED_DIR, 'landmarks/computervision-kaiakol');

/** BlazePose index of each of the 17 stored points, in storage order. */
const SUBSET_TO_BLAZEPOSE = [0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32];
/** Hand points the subset lacks, filled from the wrist they hang off. */
const HAND_FROM_WRIST: readonly [number, number][] = [
  [17, 15], [19, 15], [21, 15],
  [18, 16], [20, 16], [22, 16],
];

/** The clips were filmed at 1280×720, 30 fps (manifest). */
export const KAIAKOL_FPS = 30;
export const KAIAKOL_ASPECT = 1280 / 720;

export interface KaiakolClip {
  exercise: 'push-up' | 'squat';
  form: 'correct' | 'incorrect';
  name: string;
  path: string;
}

export function kaiakolAvailable(): boolean {
  return existsSync(KAIAKOL_DIR);
}

export function listKaiakolClips(): KaiakolClip[] {
  const out: KaiakolClip[] = [];
  for (const [dir, exercise] of [['pushup', 'push-up'], ['squat', 'squat']] as const) {
    for (const form of ['correct', 'incorrect'] as const) {
      const folder = join(KAIAKOL_DIR, dir, 'landmarks', form);
      if (!existsSync(folder)) continue;
      for (const f of readdirSync(folder).filter((n) => n.endsWith('.npy')).sort()) {
        out.push({ exercise, form, name: f.replace(/\.npy$/, ''), path: join(folder, f) });
      }
    }
  }
  return out;
}

export function loadKaiakol(path: string): PoseObservation[] {
  const { shape, data } = readNpy(path);
  const [frames = 0, points = 0, dims = 0] = shape;
  if (points !== 17 || dims !== 3) throw new Error(`${path}: expected (frames, 17, 3), got (${shape.join(', ')})`);
  const out: PoseObservation[] = [];
  for (let f = 0; f < frames; f++) {
    // Face points the subset lacks sit on the nose, marked unseen so no measure trusts them.
    const nose = f * 51;
    const lms: Landmark[] = Array.from({ length: 33 }, () => [data[nose] ?? 0, data[nose + 1] ?? 0, 0, 0] as Landmark);
    SUBSET_TO_BLAZEPOSE.forEach((bp, i) => {
      const o = f * 51 + i * 3;
      lms[bp] = [data[o] ?? 0, data[o + 1] ?? 0, 0, data[o + 2] ?? 0];
    });
    for (const [hand, wrist] of HAND_FROM_WRIST) {
      const w = lms[wrist];
      if (w) lms[hand] = [w[0], w[1], w[2], w[3]];
    }
    out.push({ t: f / KAIAKOL_FPS, landmarks: lms, aspect: KAIAKOL_ASPECT });
  }
  return out;
}

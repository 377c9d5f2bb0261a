/**
 * The shipped classifier is several independently trained members fused into one network
 * (scripts/train.ts fuseMembers). The fused network must give exactly the members' averaged logits —
 * softmax of the mean logit — for any input, and must still load as a model folder.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../helpers/motion-generator.ts';
import { buildModel, CONTRACT, fuseMembers, predictWindows } from '../../../scripts/train.ts';
import { featuresPerFrame } from '../../../src/recognition/model-metadata.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomWindows(count: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const size = CONTRACT.windowLength * featuresPerFrame(CONTRACT);
  return Array.from({ length: count }, () => Float32Array.from({ length: size }, () => 2 * r() - 1));
}

/** softmax(mean over members of log p): the members' logits averaged (the per-window constants cancel). */
function meanLogitProbs(members: Float32Array[][], w: number): number[] {
  const classes = members[0]?.[w]?.length ?? 0;
  const logits = Array.from({ length: classes }, (_, c) => members.reduce((s, m) => s + Math.log(m[w]?.[c] ?? 0), 0) / members.length);
  const top = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

describe('fuseMembers', () => {
  it('gives the softmax of the members’ mean logit, window by window', () => {
    const classes = 7;
    // Untrained members with different seeds disagree, which is what makes the check meaningful.
    const members = [11, 23, 39].map((s) => buildModel(CONTRACT, classes, s));
    const windows = randomWindows(12, 5);
    const each = members.map((m) => predictWindows(m, windows, CONTRACT));
    const fused = fuseMembers(members, CONTRACT, classes);
    const got = predictWindows(fused, windows, CONTRACT);
    const disagree = windows.some((_, w) => each.map((m) => m[w]?.indexOf(Math.max(...(m[w] ?? [])))).some((a, _i, all) => a !== all[0]));
    expect(disagree).toBe(true);
    for (let w = 0; w < windows.length; w++) {
      const want = meanLogitProbs(each, w);
      want.forEach((p, c) => expect(got[w]?.[c]).toBeCloseTo(p, 5));
    }
    expect(fused.inputs[0]?.shape).toEqual(members[0]?.inputs[0]?.shape);
    expect(fused.outputs[0]?.shape).toEqual([null, classes]);
    // Same depth as one member: one predict dispatches the same number of layers.
    expect(fused.layers.length).toBe(members[0]?.layers.length);
    for (const m of [...members, fused]) m.dispose();
  });

  it('of one member is that member', () => {
    const member = buildModel(CONTRACT, 5, 3);
    const windows = randomWindows(4, 9);
    const fused = fuseMembers([member], CONTRACT, 5);
    const a = predictWindows(member, windows, CONTRACT);
    const b = predictWindows(fused, windows, CONTRACT);
    a.forEach((p, w) => p.forEach((v, c) => expect(b[w]?.[c]).toBeCloseTo(v, 6)));
    member.dispose();
    fused.dispose();
  });

  it('refuses an empty list', () => {
    expect(() => fuseMembers([], CONTRACT, 5)).toThrow(/no members/);
  });
});

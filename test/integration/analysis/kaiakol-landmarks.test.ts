/**
 * Real labelled pose sequences (one rep each, correct/incorrect form) from ../shared; skipped
 * when the shared material is not checked out next to the repository.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSequence, flagsFault } from '../../../scripts/analyze-lib.ts';
import { kaiakolAvailable, KAIAKOL_DIR, listKaiakolClips, loadKaiakol } from '../../helpers/kaiakol.ts';

const available = kaiakolAvailable();
if (!available) console.warn(`skipping real-landmark tests: ${KAIAKOL_DIR} not found (shared material absent)`);

describe.skipIf(!available)('computervision-kaiakol landmark sequences', () => {
  const clips = available ? listKaiakolClips() : [];
  const results = clips.map((c) => ({ clip: c, summary: analyzeSequence(loadKaiakol(c.path), c.exercise) }));

  it('loads both exercises and both verdicts', () => {
    expect(clips.filter((c) => c.exercise === 'push-up').length).toBeGreaterThanOrEqual(90);
    expect(clips.filter((c) => c.exercise === 'squat').length).toBeGreaterThanOrEqual(20);
  });

  it('counts the single rep in almost every clip', () => {
    const exact = results.filter((r) => r.summary.reps.length === 1).length;
    const offByMoreThanOne = results.filter((r) => Math.abs(r.summary.reps.length - 1) > 1).length;
    expect(exact / results.length).toBeGreaterThanOrEqual(0.9);
    expect(offByMoreThanOne).toBe(0);
  });

  it('tells correct from incorrect push-up form', () => {
    const pushups = results.filter((r) => r.clip.exercise === 'push-up');
    const rate = (form: string, flagged: boolean) => {
      const group = pushups.filter((r) => r.clip.form === form);
      return group.filter((r) => flagsFault(r.summary) === flagged).length / group.length;
    };
    const balanced = (rate('incorrect', true) + rate('correct', false)) / 2;
    expect(rate('correct', false)).toBeGreaterThanOrEqual(0.9);
    expect(balanced).toBeGreaterThanOrEqual(0.72);
  });
});

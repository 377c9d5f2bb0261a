import { describe, expect, it } from 'vitest';
import { SessionAnalyzer } from '../../../src/analysis/index.ts';
import { Coach, coachingTip, PRIORITY } from '../../../src/analysis/coach.ts';
import { analyzeSequence, flagsFault } from '../../../scripts/analyze-lib.ts';
import type { Landmark, PoseObservation } from '../../../src/analysis/index.ts';
import { generateExercise } from '../../helpers/motion-generator.ts';

describe('form feedback', () => {
  it('clean reps carry no faults and score well', () => {
    const s = analyzeSequence(generateExercise('push-up', { reps: 5, tempo: 2.5 }), 'push-up');
    expect(s.reps).toHaveLength(5);
    expect(flagsFault(s)).toBe(false);
    expect(s.avg_form_score).toBeGreaterThanOrEqual(85);
  });

  it('shallow squats from the side are flagged and score lower', () => {
    const deep = analyzeSequence(generateExercise('squat', { reps: 4, tempo: 2.5 }), 'squat');
    const shallow = analyzeSequence(generateExercise('squat', { reps: 4, tempo: 2.5, depth: 0.55 }), 'squat');
    expect(shallow.reps).toHaveLength(4);
    expect(shallow.reps.every((r) => r.faults.some((f) => f.code === 'depth_shallow'))).toBe(true);
    expect(deep.reps.every((r) => r.faults.length === 0)).toBe(true);
    expect(shallow.avg_form_score).toBeLessThan(deep.avg_form_score - 15);
  });

  it('a push-up with the head hanging below the body line is flagged from the side, not judged head-on', () => {
    // Swing both ears (7, 8) 40° down about their shoulders (11, 12), towards the floor.
    const dropHead = (frames: PoseObservation[]): PoseObservation[] =>
      frames.map((f) => {
        if (!f.landmarks) return f;
        const lms = f.landmarks.map((l) => [...l] as Landmark);
        for (const [ear, shoulder] of [[7, 11], [8, 12]] as const) {
          const e = lms[ear]!;
          const sh = lms[shoulder]!;
          const dx = (e[0] - sh[0]) * f.aspect;
          const dy = e[1] - sh[1];
          const turn = (Math.sign(dx) * 40 * Math.PI) / 180;
          e[0] = sh[0] + (dx * Math.cos(turn) - dy * Math.sin(turn)) / f.aspect;
          e[1] = sh[1] + dx * Math.sin(turn) + dy * Math.cos(turn);
        }
        return { ...f, landmarks: lms };
      });
    const side = generateExercise('push-up', { reps: 4, tempo: 2.5 });
    const code = (frames: PoseObservation[]) => analyzeSequence(frames, 'push-up').reps.map((r) => r.faults.some((f) => f.code === 'head_dropped'));
    expect(code(side)).toEqual([false, false, false, false]);
    expect(code(dropHead(side))).toEqual([true, true, true, true]);
    const front = generateExercise('push-up', { reps: 4, tempo: 2.5, view: 'front' });
    expect(code(dropHead(front))).toEqual([false, false, false, false]);
  });

  it('rushed reps lose tempo points', () => {
    const slow = analyzeSequence(generateExercise('barbell biceps curl', { reps: 4, tempo: 2.5 }), 'barbell biceps curl');
    const rushed = analyzeSequence(generateExercise('barbell biceps curl', { reps: 4, tempo: 0.6 }), 'barbell biceps curl');
    expect(rushed.avg_form_score).toBeLessThan(slow.avg_form_score);
  });

  it('a faulty rep turns the indicator amber and says what to fix', () => {
    const a = new SessionAnalyzer({ exercise: 'squat' });
    const out = generateExercise('squat', { reps: 2, depth: 0.55, tempo: 2.5 }).map((f) => a.update(f));
    const done = out.findIndex((f) => f.rep_completed);
    expect(done).toBeGreaterThan(0);
    expect(out[done]?.form_color).toEqual([255, 191, 0]);
    expect(out[done]?.feedback).toMatch(/lower/i);
  });

  it('follows the seed progressive coaching', () => {
    expect(coachingTip('squat', [90, 90])).toBe('Focus on form over speed');
    expect(coachingTip('squat', [50, 50, 55, 40, 60])).toBe('Work on squat fundamentals');
    expect(coachingTip('squat', [70, 75, 72, 78, 70])).toBe('Good progress! Focus on consistency');
    expect(coachingTip('squat', [70, 90, 90, 90, 90, 90])).toBe('Excellent form! Try increasing reps');
  });
});

describe('Coach', () => {
  it('keeps a message up long enough to read and lets faults pre-empt it', () => {
    const c = new Coach(10, 2);
    expect(c.choose(0, [{ text: 'cue', priority: PRIORITY.cue }, { text: 'Rep 1', priority: PRIORITY.rep }])).toBe('Rep 1');
    expect(c.choose(1, [{ text: 'cue', priority: PRIORITY.cue }])).toBe('Rep 1');
    expect(c.choose(1.2, [{ text: 'Brace', priority: PRIORITY.fault }])).toBe('Brace');
    expect(c.choose(3.5, [{ text: 'cue', priority: PRIORITY.cue }])).toBe('cue');
  });

  it('does not repeat coaching tips within the cooldown', () => {
    const c = new Coach(10, 1);
    const shown: string[] = [];
    for (let t = 0; t < 30; t += 0.1) {
      if (Math.abs(t % 2) < 0.05) c.offerTip(t, 'Focus on form over speed');
      shown.push(c.choose(t, [{ text: 'cue', priority: PRIORITY.cue }]));
    }
    const starts = shown.filter((s, i) => s !== 'cue' && shown[i - 1] === 'cue').length + (shown[0] !== 'cue' ? 1 : 0);
    expect(starts).toBeGreaterThanOrEqual(2);
    expect(starts).toBeLessThanOrEqual(3);
  });
});

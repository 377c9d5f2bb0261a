import { describe, expect, it } from 'vitest';
import { listExercises, SessionAnalyzer } from '../../../src/analysis/index.ts';
import type { PoseObservation } from '../../../src/analysis/index.ts';
import { jointAngle, toPoint } from '../../../src/analysis/geometry.ts';
import { analyzeSequence } from '../../../scripts/analyze-lib.ts';
import { generateExercise, occlude } from '../../helpers/motion-generator.ts';

const repExercises = listExercises().filter((e) => e !== 'plank');

function counted(frames: PoseObservation[], exercise: string): number {
  return analyzeSequence(frames, exercise).reps.length;
}

describe('rep counting on generated motion', () => {
  it('covers every library exercise', () => {
    expect(listExercises()).toHaveLength(30);
    for (const name of ['barbell biceps curl', 'pull Up', 'tricep Pushdown', 'jumping jack', 'side lunge', 'shrug', 'crunch']) {
      expect(listExercises()).toContain(name);
    }
  });

  it.each(repExercises)('%s: exact count on clean sequences at 30 and 10 fps', (exercise) => {
    expect(counted(generateExercise(exercise, { reps: 7 }), exercise)).toBe(7);
    expect(counted(generateExercise(exercise, { reps: 4, fps: 10, tempo: 1.6 }), exercise)).toBe(4);
  });

  it.each(repExercises)('%s: exact under landmark noise, uneven tempo and depth', (exercise) => {
    for (const seed of [11, 12]) {
      const frames = generateExercise(exercise, { reps: 6, noise: 0.004, seed, tempoJitter: 0.35, depthJitter: 0.15 });
      expect(counted(frames, exercise)).toBe(6);
    }
  });

  it.each(repExercises)('%s: within one under heavy noise', (exercise) => {
    const frames = generateExercise(exercise, { reps: 8, noise: 0.008, seed: 5, tempo: 2.2 });
    expect(Math.abs(counted(frames, exercise) - 8)).toBeLessThanOrEqual(1);
  });

  it.each(repExercises)('%s: counts shallow reps (60%% of the range) and mirrored video', (exercise) => {
    expect(counted(generateExercise(exercise, { reps: 5, depth: 0.6 }), exercise)).toBe(5);
    expect(counted(generateExercise(exercise, { reps: 5, mirror: true }), exercise)).toBe(5);
  });

  it('catches shallow reps that a fixed-threshold counter misses once deep reps set the scale', () => {
    const deep = generateExercise('squat', { reps: 3, restS: 0.5 });
    const shallow = generateExercise('squat', { reps: 3, depth: 0.6, restS: 0.5, t0: (deep[deep.length - 1]?.t ?? 0) + 1 / 30 });
    expect(counted([...deep, ...shallow], 'squat')).toBe(6);
  });

  it('counts slow reps and fast reps alike', () => {
    expect(counted(generateExercise('push-up', { reps: 3, tempo: 6 }), 'push-up')).toBe(3);
    expect(counted(generateExercise('jumping jack', { reps: 10, tempo: 0.7 }), 'jumping jack')).toBe(10);
  });

  it('fills the rep record with timings, range and a score', () => {
    const analyzer = new SessionAnalyzer({ exercise: 'barbell biceps curl' });
    const completed = generateExercise('barbell biceps curl', { reps: 3, tempo: 2.5 })
      .map((f) => analyzer.update(f).rep_completed)
      .filter((r) => r !== undefined);
    expect(completed).toHaveLength(3);
    for (const [i, rep] of completed.entries()) {
      expect(rep.index).toBe(i + 1);
      expect(rep.exercise).toBe('barbell biceps curl');
      expect(rep.end_time).toBeGreaterThan(rep.start_time);
      expect(rep.duration).toBeGreaterThan(1.5);
      expect(rep.duration).toBeLessThan(3);
      expect(rep.eccentric_s + rep.concentric_s).toBeCloseTo(rep.duration, 2);
      expect(rep.concentric_s).toBeGreaterThan(0.5);
      expect(rep.min_angle).toBeLessThan(70);
      expect(rep.max_angle).toBeGreaterThan(140);
      expect(rep.range_of_motion).toBeCloseTo(rep.max_angle - rep.min_angle, 0);
      expect(rep.form_score).toBeGreaterThanOrEqual(0);
      expect(rep.form_score).toBeLessThanOrEqual(100);
    }
  });
});

describe('push-ups are counted on shoulder height above the hands', () => {
  const elbowAngle = (f: PoseObservation, side: 0 | 1): number => {
    const l = f.landmarks;
    const [s, e, w] = [l?.[11 + side], l?.[13 + side], l?.[15 + side]];
    if (!s || !e || !w) return 180;
    return jointAngle(toPoint(s, f.aspect), toPoint(e, f.aspect), toPoint(w, f.aspect)) ?? 180;
  };

  it('elbows hidden at the bottom of every rep lose no rep, and the unseen depth is not judged', () => {
    const frames = generateExercise('push-up', { reps: 4, tempo: 2.5, view: 'side' }).map((f): PoseObservation => {
      if (!f.landmarks || Math.min(elbowAngle(f, 0), elbowAngle(f, 1)) > 150) return f;
      // Pose models lose the forearms against the floor at the bottom: the elbows go unseen.
      return { ...f, landmarks: f.landmarks.map((l, i) => (i === 13 || i === 14 ? [l[0] + 0.04, l[1] - 0.03, l[2], 0.1] : l)) };
    });
    const hiddenFrames = frames.filter((f) => f.landmarks?.[13]?.[3] === 0.1).length;
    expect(hiddenFrames).toBeGreaterThan(20);
    const reps = analyzeSequence(frames, 'push-up').reps;
    expect(reps).toHaveLength(4);
    for (const rep of reps) expect(rep.faults.map((f) => f.code)).not.toContain('depth_shallow');
  });

  it('with the elbows never seen, reps still count and no distance is shown as an angle', () => {
    const frames = occlude(generateExercise('push-up', { reps: 3, tempo: 2 }), [13, 14], -1, 1e9);
    const analyzer = new SessionAnalyzer({ exercise: 'push-up' });
    const angles = frames.map((f) => analyzer.update(f).angle);
    expect(angles.every((a) => a === null)).toBe(true);
    expect(counted(frames, 'push-up')).toBe(3);
  });

  it('counts fast reps (over two a second) and head-on reps, where the torso points at the camera', () => {
    expect(counted(generateExercise('push-up', { reps: 6, tempo: 0.45 }), 'push-up')).toBe(6);
    expect(counted(generateExercise('push-up', { reps: 5, view: 'front' }), 'push-up')).toBe(5);
    expect(counted(generateExercise('push-up', { reps: 5, view: 'front', noise: 0.004, seed: 9 }), 'push-up')).toBe(5);
  });
});

/** Auto mode with the committed default model on synthetic exercise sequences. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoseObservation } from '../../../src/session/analyzer-port.ts';
import type { RecognizingAnalyzer} from '../../../src/recognition/recognizing-analyzer.ts';
import { createRecognizingAnalyzerFactory, type RecognizingAnalyzerFactory } from '../../../src/recognition/recognizing-analyzer.ts';
import { concat, generateExercise, walkIn } from '../../helpers/motion-generator.ts';

let factory: RecognizingAnalyzerFactory;

beforeAll(async () => {
  factory = await createRecognizingAnalyzerFactory();
});

afterAll(() => factory.close());

function run(analyzer: RecognizingAnalyzer, frames: readonly PoseObservation[]): { exercises: Set<string>; last: ReturnType<RecognizingAnalyzer['update']> | null } {
  const exercises = new Set<string>();
  let last = null;
  for (const f of frames) {
    last = analyzer.update(f);
    if (last.exercise) exercises.add(last.exercise);
  }
  return { exercises, last };
}

describe('RecognizingAnalyzer', () => {
  it('reports the real class count for system.supported_exercises', () => {
    expect(factory.supportedExercises).toBe(30);
    expect(factory.exercises).not.toContain('none');
  });

  it('auto mode (the default) recognises a synthetic squat set and counts its reps', () => {
    const analyzer = factory() as unknown as RecognizingAnalyzer;
    expect(analyzer.mode).toBe('auto');
    const frames = generateExercise('squat', { reps: 8, fps: 30, seed: 11, noise: 0.003, tempo: 2 });
    const { last } = run(analyzer, frames);
    expect(last?.exercise).toBe('squat');
    expect(last?.confidence).toBeGreaterThan(0.5);
    // Recognition needs ~2 s of window and ~1 s of stable label before the handover: the first rep may be missed.
    expect(last?.reps).toBeGreaterThanOrEqual(6);
    expect(last?.reps).toBeLessThanOrEqual(8);
  });

  it('gives no exercise while someone walks in and stands', () => {
    const analyzer = factory() as unknown as RecognizingAnalyzer;
    const { exercises } = run(analyzer, walkIn({ fps: 30, seconds: 4, seed: 3 }));
    expect(exercises.size).toBe(0);
    expect(analyzer.recognition.label).toBeNull();
  });

  it('hands over when the exercise changes and keeps the previous reps', () => {
    const analyzer = factory() as unknown as RecognizingAnalyzer;
    const frames = concat([generateExercise('squat', { reps: 6, fps: 30, seed: 5, noise: 0.003 }), generateExercise('jumping jack', { reps: 8, fps: 30, seed: 6, noise: 0.003, tempo: 1.2 })]);
    const { last } = run(analyzer, frames);
    expect(last?.exercise).toBe('jumping jack');
    const details = analyzer.summary().exercise_details;
    expect(details.squat?.total_reps ?? 0).toBeGreaterThanOrEqual(4);
    expect(details['jumping jack']?.total_reps ?? 0).toBeGreaterThanOrEqual(4);
  });

  it('a declared exercise overrides recognition, and auto hands control back', () => {
    const analyzer = factory() as unknown as RecognizingAnalyzer;
    analyzer.setExercise('push-up');
    expect(analyzer.mode).toBe('declared');
    const { exercises, last } = run(analyzer, generateExercise('squat', { reps: 4, fps: 30, seed: 9 }));
    expect([...exercises]).toEqual(['push-up']);
    expect(last?.confidence).toBe(1);
    analyzer.setExercise('auto');
    const t0 = (last ? 20 : 0) + 1;
    const { last: after } = run(analyzer, generateExercise('squat', { reps: 5, fps: 30, seed: 10, t0 }));
    expect(after?.exercise).toBe('squat');
    expect(() => analyzer.setExercise('underwater basket weaving')).toThrow();
  });
});

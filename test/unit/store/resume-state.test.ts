/** What a resumed session gets back: the analyzer's counted state survives a round trip through JSON. */
import { describe, expect, it } from 'vitest';
import { SessionAnalyzer } from '../../../src/analysis/index.ts';
import { decodeSessionState, encodeSessionState } from '../../../src/session/resume-snapshot.ts';
import {
  hashResumeToken,
  isWellFormedResumeToken,
  newResumeToken,
} from '../../../src/session/resume-token.ts';
import { generateExercise, shiftTime } from '../../helpers/motion-generator.ts';

function feed(analyzer: SessionAnalyzer, frames: ReturnType<typeof generateExercise>): number {
  let reps = 0;
  for (const f of frames) reps = analyzer.update(f).reps;
  return reps;
}

describe('analyzer snapshot and restore', () => {
  it('keeps reps, sets, rep records, exercise, durations and frame counts; counting goes on', () => {
    const original = new SessionAnalyzer({ exercise: 'squat' });
    const first = generateExercise('squat', { reps: 3, fps: 30, seed: 3 });
    expect(feed(original, first)).toBe(3);
    const before = original.summary();

    const state = {
      startedAtMs: Date.now(),
      framesReceived: first.length,
      framesAnalyzed: first.length,
      analyzer: original.snapshot(),
    };
    const decoded = decodeSessionState(encodeSessionState(state));
    expect(decoded).not.toBeNull();
    const restored = new SessionAnalyzer();
    restored.restore(decoded!.analyzer);
    expect(restored.exercise).toBe('squat');
    expect(restored.summary()).toEqual(before);

    const lastT = first[first.length - 1]?.t ?? 0;
    const more = shiftTime(generateExercise('squat', { reps: 2, fps: 30, seed: 4 }), lastT + 5);
    expect(feed(restored, more)).toBe(5);
    const after = restored.summary();
    expect(after.reps.map((r) => r.index)).toEqual([1, 2, 3, 4, 5]);
    expect(after.total_frames).toBe(first.length + more.length);
    expect(after.exercise_details.squat?.sets).toBe(1);
  });

  it('refuses a state this build cannot restore', () => {
    expect(decodeSessionState('not json')).toBeNull();
    expect(decodeSessionState('{"startedAtMs":1}')).toBeNull();
    const a = new SessionAnalyzer();
    const wrongVersion = {
      startedAtMs: 1,
      framesReceived: 0,
      framesAnalyzed: 0,
      analyzer: { ...a.snapshot(), version: 2 },
    };
    expect(decodeSessionState(JSON.stringify(wrongVersion))).toBeNull();
  });
});

describe('resume tokens', () => {
  it('are 128 random bits, stored only as a hash', () => {
    const t = newResumeToken();
    expect(isWellFormedResumeToken(t)).toBe(true);
    expect(Buffer.from(t, 'base64url')).toHaveLength(16);
    expect(newResumeToken()).not.toBe(t);
    expect(hashResumeToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashResumeToken(t)).not.toContain(t);
    expect(isWellFormedResumeToken('short')).toBe(false);
    expect(isWellFormedResumeToken(`${t}=`)).toBe(false);
  });
});

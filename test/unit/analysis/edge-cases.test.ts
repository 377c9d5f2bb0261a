import { describe, expect, it } from 'vitest';
import { SessionAnalyzer } from '../../../src/analysis/index.ts';
import type { PoseObservation } from '../../../src/analysis/index.ts';
import { analyzeSequence } from '../../../scripts/analyze-lib.ts';
import {
  absent,
  cameraCut,
  concat,
  generateExercise,
  occlude,
  shiftTime,
} from '../../helpers/motion-generator.ts';

const counted = (frames: PoseObservation[], exercise: string) =>
  analyzeSequence(frames, exercise).reps.length;

describe('real-clip edge cases', () => {
  it('a session that opens at the bottom of a rep counts that rep, without a tempo verdict', () => {
    // With no rest, the first rep of 2 s bottoms out at 1 s: start there.
    const frames = shiftTime(generateExercise('squat', { reps: 3, restS: 0.5, tempo: 2 }).slice(45), 0);
    const summary = analyzeSequence(frames, 'squat');
    expect(summary.reps).toHaveLength(3);
    expect(summary.reps[0]?.faults.map((f) => f.code)).not.toContain('too_fast');
  });

  it('opening part way down but rising only a little is settling in, not a rep', () => {
    // Starting 80% of the way up the first rep: the remaining rise is well under the nominal range.
    const frames = shiftTime(generateExercise('squat', { reps: 3, restS: 0.5, tempo: 2 }).slice(70), 0);
    expect(counted(frames, 'squat')).toBe(2);
  });

  it('a recording cut on the way back up counts its last rep; one cut at the bottom does not', () => {
    // Two reps of 2 s after 0.5 s of rest: the second bottoms out at 3.5 s; live, it counts at 3.97 s.
    const full = generateExercise('squat', { reps: 2, restS: 0.5, tempo: 2 });
    const at = (s: number) => full.filter((f) => f.t < s);
    expect(counted(at(3.9), 'squat')).toBe(2); // well on the way back, not yet counted live (at 3.97 s)
    expect(counted(at(3.55), 'squat')).toBe(1); // just past the bottom
    expect(counted(at(3.0), 'squat')).toBe(1); // still going down
  });

  it('a live session never counts the rep in progress without the end of input', () => {
    const full = generateExercise('squat', { reps: 2, restS: 0.5, tempo: 2 });
    const analyzer = new SessionAnalyzer({ exercise: 'squat' });
    for (const f of full.filter((x) => x.t < 3.9)) analyzer.update(f);
    expect(analyzer.summary().reps).toHaveLength(1);
    expect(analyzer.finish()?.index).toBe(2);
    expect(analyzer.summary().reps).toHaveLength(2);
    expect(analyzer.finish()).toBeNull();
  });

  it('a rise after a camera cut never completes an unseen rep', () => {
    const standing = generateExercise('squat', { reps: 0, restS: 2 });
    const fromBottom = generateExercise('squat', { reps: 2, restS: 0.5, tempo: 2 }).slice(45);
    expect(counted(concat([standing, cameraCut(fromBottom, -1, 1.4, 0.15, 0)]), 'squat')).toBe(1);
  });

  it('a fast move the detector drops for a frame is not taken for a camera cut', () => {
    const frames = generateExercise('squat', { reps: 5, tempo: 0.8, restS: 0.5 });
    // Lose the person for three frames mid-way up every rep (0.5 s rest, reps of 0.8 s).
    let dropped = frames;
    for (let i = 0; i < 5; i++) {
      const t = 0.5 + i * 0.8 + 0.55;
      dropped = absent(dropped, t, t + 0.09);
    }
    expect(counted(dropped, 'squat')).toBe(5);
  });

  it('a limb hidden for 1.5 s at the far end of a rep still completes it', () => {
    // Pull-up of 4 s: the arms are lost around the bar at the top, then come back.
    const frames = generateExercise('pull Up', { reps: 3, tempo: 4, restS: 1 });
    expect(counted(occlude(frames, [11, 13, 15, 12, 14, 16], 2.2, 3.7), 'pull Up')).toBe(3);
  });

  it('depth is not judged when the bottom of the rep was hidden', () => {
    const frames = generateExercise('push-up', { reps: 3, tempo: 3, view: 'side' });
    const hidden = occlude(frames, [11, 13, 15, 12, 14, 16], 2.0, 3.0);
    const faults = analyzeSequence(hidden, 'push-up').reps.flatMap((r) => r.faults.map((f) => f.code));
    expect(faults).not.toContain('depth_shallow');
  });
});

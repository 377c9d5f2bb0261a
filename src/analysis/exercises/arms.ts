/** Elbow flexion and extension isolation moves. */
import type { ExerciseDefinition } from '../exercise-definition.ts';
import { angle, incline, reps, tooFast } from './helpers.ts';

const elbowAngle = angle('shoulder', 'elbow', 'wrist');
/** Upper arm from vertical, elbow→shoulder: grows when the elbow swings forward. */
const upperArmDrift = incline('elbow', 'shoulder');

const curl = (name: string): ExerciseDefinition => ({
  name,
  family: 'curl',
  primary: elbowAngle,
  reps: reps({ rest: 'high', amplitude: 100, minAmplitude: 30, away: 'concentric' }),
  rules: [
    { type: 'reach', code: 'incomplete_curl', feedback: 'Curl all the way up', severity: 'warning', value: 80 },
    {
      type: 'bound',
      code: 'elbow_drift',
      feedback: 'Keep your elbows pinned to your sides',
      severity: 'warning',
      signal: upperArmDrift,
      max: 40,
      phase: 'any',
      minShare: 0.4,
    },
    tooFast(0.5),
  ],
  cue: 'Elbows still, lower slowly',
});

export const armExercises: readonly ExerciseDefinition[] = [
  curl('barbell biceps curl'),
  curl('hammer curl'),
  {
    name: 'tricep Pushdown',
    family: 'triceps extension',
    primary: elbowAngle,
    reps: reps({ rest: 'low', amplitude: 80, minAmplitude: 25, away: 'concentric' }),
    rules: [
      { type: 'reach', code: 'incomplete_extension', feedback: 'Straighten your elbows fully', severity: 'warning', value: 150 },
      {
        type: 'bound',
        code: 'elbow_drift',
        feedback: 'Keep your elbows at your sides',
        severity: 'warning',
        signal: upperArmDrift,
        max: 40,
        phase: 'any',
        minShare: 0.4,
      },
    ],
    cue: 'Only your forearms move',
  },
  {
    name: 'overhead triceps extension',
    family: 'triceps extension',
    primary: elbowAngle,
    reps: reps({ rest: 'low', amplitude: 100, minAmplitude: 30, away: 'concentric' }),
    rules: [{ type: 'reach', code: 'incomplete_extension', feedback: 'Straighten your arm fully overhead', severity: 'warning', value: 150 }],
    cue: 'Keep your elbow pointing up',
  },
];

/** Vertical and horizontal pulls. */
import type { ExerciseDefinition } from '../exercise-definition.ts';
import { angle, incline, reps, tooFast } from './helpers.ts';

const elbowAngle = angle('shoulder', 'elbow', 'wrist');

const verticalPull = (name: string, cue: string): ExerciseDefinition => ({
  name,
  family: 'vertical pull',
  primary: elbowAngle,
  reps: reps({ rest: 'high', amplitude: 90, minAmplitude: 30, away: 'concentric' }),
  rules: [
    { type: 'reach', code: 'partial_range', feedback: 'Pull higher: bring your elbows down to your sides', severity: 'warning', value: 100 },
    { type: 'return', code: 'no_full_hang', feedback: 'Straighten your arms fully between reps', severity: 'warning', value: 145 },
  ],
  cue,
});

const row = (name: string): ExerciseDefinition => ({
  name,
  family: 'row',
  primary: elbowAngle,
  reps: reps({ rest: 'high', amplitude: 80, minAmplitude: 25, away: 'concentric' }),
  rules: [
    { type: 'reach', code: 'partial_range', feedback: 'Pull your elbow past your torso', severity: 'warning', value: 110 },
    {
      type: 'bound',
      code: 'torso_upright',
      feedback: 'Stay hinged forward with a flat back',
      severity: 'warning',
      signal: incline('hip', 'shoulder'),
      min: 20,
      phase: 'any',
      minShare: 0.5,
    },
    tooFast(0.5),
  ],
  cue: 'Squeeze your shoulder blades together',
});

export const backExercises: readonly ExerciseDefinition[] = [
  verticalPull('pull Up', 'Pull your chest to the bar'),
  verticalPull('lat pulldown', 'Pull the bar to your upper chest'),
  row('t bar row'),
  row('dumbbell row'),
];

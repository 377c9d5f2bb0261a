/** Overhead pressing, raises and shrugs. */
import type { ExerciseDefinition } from '../exercise-definition.ts';
import { angle, reps, tooFast } from './helpers.ts';

/** Arm away from the torso: hip–shoulder–elbow. */
const armRaise = angle('hip', 'shoulder', 'elbow');

const raise = (name: string, cue: string): ExerciseDefinition => ({
  name,
  family: 'raise',
  primary: armRaise,
  reps: reps({ rest: 'low', amplitude: 75, minAmplitude: 25, away: 'concentric' }),
  rules: [
    { type: 'reach', code: 'partial_range', feedback: 'Raise your arms to shoulder height', severity: 'warning', value: 70 },
    { type: 'bound', code: 'too_high', feedback: 'Stop at shoulder height', severity: 'warning', signal: armRaise, max: 125, phase: 'far' },
    tooFast(0.5),
  ],
  cue,
});

export const shoulderExercises: readonly ExerciseDefinition[] = [
  {
    name: 'shoulder press',
    family: 'overhead press',
    primary: angle('shoulder', 'elbow', 'wrist'),
    reps: reps({ rest: 'low', amplitude: 85, minAmplitude: 25, away: 'concentric', maxDurationS: 30 }),
    rules: [
      { type: 'reach', code: 'incomplete_lockout', feedback: 'Press all the way up', severity: 'warning', value: 150 },
      tooFast(0.5),
    ],
    cue: 'Brace your core, press straight up',
  },
  raise('lateral raise', 'Lead with your elbows, out to the sides'),
  raise('front raise', 'Raise to shoulder height in front of you'),
  {
    name: 'shrug',
    family: 'shrug',
    // Shrugs hardly change any joint angle; the shoulders rise towards the ears.
    primary: { measure: { kind: 'distance', from: 'ear', to: 'shoulder', axis: 'y' }, sides: 'mean' },
    reps: reps({ rest: 'high', amplitude: 10, minAmplitude: 3.5, away: 'concentric', minDurationS: 0.3 }),
    rules: [tooFast(0.5)],
    cue: 'Lift your shoulders straight up, pause, lower slowly',
  },
];

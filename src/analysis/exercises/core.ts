/** Trunk work: the plank hold and floor moves. */
import type { ExerciseDefinition } from '../exercise-definition.ts';
import { angle, bend, incline, reps, tooFast } from './helpers.ts';

const hipAngle = angle('shoulder', 'hip', 'knee');
const bodyLine = bend('shoulder', 'hip', 'ankle');

export const coreExercises: readonly ExerciseDefinition[] = [
  {
    name: 'plank',
    family: 'plank',
    primary: angle('shoulder', 'hip', 'ankle'),
    hold: {
      // Horizontal trunk: standing up or kneeling is not holding a plank.
      position: [{ signal: incline('hip', 'shoulder'), min: 50 }],
    },
    rules: [
      { type: 'bound', code: 'hips_sagging', feedback: 'Lift your hips: keep a straight line', severity: 'error', signal: bodyLine, min: -20, phase: 'any' },
      { type: 'bound', code: 'hips_piked', feedback: 'Lower your hips into a straight line', severity: 'error', signal: bodyLine, max: 25, phase: 'any' },
    ],
    cue: 'Hold a straight line from head to heels',
  },
  {
    name: 'leg raises',
    family: 'leg raise',
    primary: hipAngle,
    reps: reps({ rest: 'high', amplitude: 80, minAmplitude: 25, away: 'concentric' }),
    rules: [
      { type: 'reach', code: 'partial_range', feedback: 'Raise your legs higher', severity: 'warning', value: 115 },
      {
        type: 'bound',
        code: 'knees_bent',
        feedback: 'Keep your legs straight',
        severity: 'warning',
        signal: angle('hip', 'knee', 'ankle'),
        min: 140,
        phase: 'any',
        minShare: 0.4,
      },
      tooFast(0.5),
    ],
    cue: 'Lower your legs slowly, back flat on the floor',
  },
  {
    name: 'crunch',
    family: 'crunch',
    primary: hipAngle,
    reps: reps({ rest: 'high', amplitude: 35, minAmplitude: 12, away: 'concentric', minDurationS: 0.4 }),
    rules: [tooFast(0.5)],
    cue: 'Curl up, ribs towards hips',
  },
  {
    name: 'russian twist',
    family: 'twist',
    // Hands swing side to side of the hips; each side touch is one rep.
    primary: { measure: { kind: 'offset', joint: 'wrist', abs: true }, sides: 'mean' },
    reps: reps({ rest: 'low', amplitude: 50, minAmplitude: 15, away: 'concentric', minDurationS: 0.3 }),
    rules: [],
    cue: 'Rotate from your trunk, not just your arms',
  },
];

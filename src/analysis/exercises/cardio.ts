/** Fast whole-body moves. */
import type { ExerciseDefinition } from '../exercise-definition.ts';
import { angle, bilateral, reps } from './helpers.ts';

export const cardioExercises: readonly ExerciseDefinition[] = [
  {
    name: 'jumping jack',
    family: 'jumping jack',
    // Arm abduction on both sides averaged: seen from the front (the usual view) it sweeps ~150°.
    primary: angle('hip', 'shoulder', 'wrist', 'mean'),
    reps: reps({ rest: 'low', amplitude: 140, minAmplitude: 40, away: 'concentric', minDurationS: 0.3, idealDurationS: [0.5, 2.5] }),
    rules: [
      {
        type: 'bound',
        code: 'feet_together',
        feedback: 'Jump your feet out wider',
        severity: 'warning',
        signal: bilateral({ kind: 'spread', joint: 'ankle', axis: 'x' }),
        min: 35,
        phase: 'far',
      },
    ],
    cue: 'Arms all the way up, feet out wide',
  },
];

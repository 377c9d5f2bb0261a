/** Knee- and hip-dominant lower-body lifts. */
import type { ExerciseDefinition } from '../exercise-definition.ts';
import { angle, incline, reps, tooFast } from './helpers.ts';

const kneeAngle = angle('hip', 'knee', 'ankle');
const hipAngle = angle('shoulder', 'hip', 'knee');
/** Trunk lean from vertical: the hip→shoulder segment. */
const trunkLean = incline('hip', 'shoulder');

export const legExercises: readonly ExerciseDefinition[] = [
  {
    name: 'squat',
    family: 'squat',
    // Hip height above the ankles: from the front the knee angle hardly changes on screen
    // (the thigh points at the camera), but the hips still visibly drop.
    primary: { measure: { kind: 'distance', from: 'hip', to: 'ankle', axis: 'y' }, sides: 'mean' },
    display: kneeAngle,
    reps: reps({ rest: 'high', amplitude: 80, minAmplitude: 22, away: 'eccentric', idealDurationS: [1.5, 6] }),
    rules: [
      {
        type: 'reach',
        code: 'depth_shallow',
        feedback: 'Go lower: aim for thighs parallel to the floor',
        severity: 'warning',
        // The knee angle judges depth only from the side; from the front the thigh is foreshortened.
        value: 110,
        on: 'display',
        view: 'side',
      },
      {
        type: 'bound',
        code: 'chest_forward',
        feedback: 'Keep your chest up',
        severity: 'warning',
        signal: trunkLean,
        max: 60,
        phase: 'far',
      },
      {
        // Torso folding past the shins at the bottom: the hip angle closes well beyond the knee
        // angle. Deep and shallow squats alike keep the two close when the chest stays up.
        type: 'bound',
        code: 'chest_forward',
        feedback: 'Keep your chest up: torso parallel to your shins',
        severity: 'warning',
        signal: { measure: { kind: 'angleDifference', joints: ['shoulder', 'hip', 'knee'], minus: ['hip', 'knee', 'ankle'] }, sides: 'best' },
        min: -20,
        phase: 'far',
      },
      tooFast(0.5),
    ],
    cue: 'Push through your heels and keep your chest up',
  },
  {
    name: 'lunge',
    family: 'lunge',
    // The working leg is the more bent one, so alternating lunges need no side bookkeeping.
    primary: angle('hip', 'knee', 'ankle', 'min'),
    reps: reps({ rest: 'high', amplitude: 80, minAmplitude: 22, away: 'eccentric' }),
    rules: [
      { type: 'reach', code: 'depth_shallow', feedback: 'Lower until your front knee is bent to about 90°', severity: 'warning', value: 120 },
      { type: 'bound', code: 'torso_lean', feedback: 'Keep your torso upright', severity: 'warning', signal: trunkLean, max: 35, phase: 'far' },
    ],
    cue: 'Step long, keep your torso tall',
    // Stepping moves the hips; only real walking is faster.
    travelLimit: 3,
  },
  {
    name: 'side lunge',
    family: 'lunge',
    primary: angle('hip', 'knee', 'ankle', 'min'),
    reps: reps({ rest: 'high', amplitude: 70, minAmplitude: 20, away: 'eccentric' }),
    rules: [{ type: 'reach', code: 'depth_shallow', feedback: 'Sit deeper into the bent leg', severity: 'warning', value: 130 }],
    cue: 'Sit back into the bent leg, keep the other leg straight',
    travelLimit: 3,
  },
  {
    name: 'deadlift',
    family: 'hinge',
    primary: hipAngle,
    reps: reps({ rest: 'high', amplitude: 80, minAmplitude: 25, away: 'eccentric', idealDurationS: [1.5, 8] }),
    rules: [
      { type: 'return', code: 'incomplete_lockout', feedback: 'Stand tall: lock out your hips at the top', severity: 'warning', value: 160 },
      tooFast(0.5),
    ],
    cue: 'Keep the bar close and your back flat',
  },
  {
    name: 'romanian deadlift',
    family: 'hinge',
    primary: hipAngle,
    reps: reps({ rest: 'high', amplitude: 70, minAmplitude: 25, away: 'eccentric', idealDurationS: [1.5, 8] }),
    rules: [
      {
        type: 'bound',
        code: 'knees_bent',
        feedback: 'Keep a soft, fixed knee bend: hinge at the hips, do not squat',
        severity: 'warning',
        signal: kneeAngle,
        min: 135,
        phase: 'far',
      },
      tooFast(0.5),
    ],
    cue: 'Push your hips back and keep your back flat',
  },
  {
    name: 'hip thrust',
    family: 'bridge',
    primary: hipAngle,
    reps: reps({ rest: 'low', amplitude: 70, minAmplitude: 20, away: 'concentric' }),
    rules: [{ type: 'reach', code: 'incomplete_extension', feedback: 'Drive your hips up to full extension', severity: 'warning', value: 160 }],
    cue: 'Squeeze your glutes at the top',
  },
  {
    name: 'leg extension',
    family: 'knee extension',
    primary: kneeAngle,
    reps: reps({ rest: 'low', amplitude: 70, minAmplitude: 20, away: 'concentric' }),
    rules: [
      { type: 'reach', code: 'incomplete_extension', feedback: 'Straighten your knees fully at the top', severity: 'warning', value: 155 },
      tooFast(0.5),
    ],
    cue: 'Extend fully and lower under control',
  },
];

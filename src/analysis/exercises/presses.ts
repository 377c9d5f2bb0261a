/** Horizontal pushes and dips: elbow extension against the body or a bench. */
import type { ExerciseDefinition } from '../exercise-definition.ts';
import { angle, bend, bilateral, incline, reps, tooFast } from './helpers.ts';

const elbowAngle = angle('shoulder', 'elbow', 'wrist');

const benchLike = (name: string, cue: string): ExerciseDefinition => ({
  name,
  family: 'bench press',
  primary: elbowAngle,
  reps: reps({ rest: 'high', amplitude: 80, minAmplitude: 25, away: 'eccentric' }),
  rules: [
    { type: 'reach', code: 'partial_range', feedback: 'Lower the bar all the way to your chest', severity: 'warning', value: 110 },
    { type: 'return', code: 'incomplete_lockout', feedback: 'Lock out your arms at the top', severity: 'warning', value: 150 },
    tooFast(0.5),
  ],
  cue,
});

export const pressExercises: readonly ExerciseDefinition[] = [
  {
    name: 'push-up',
    family: 'push-up',
    // Shoulder height above the hands: readable from the side and head-on, and when the forearms
    // vanish against the floor at the bottom (where the elbow angle cannot be read). The elbow
    // angle stays what the client sees and what depth is judged on, when it was seen.
    primary: { measure: { kind: 'distance', from: 'shoulder', to: 'wrist', axis: 'y' }, sides: 'mean' },
    display: elbowAngle,
    reps: reps({ rest: 'high', amplitude: 60, minAmplitude: 18, away: 'eccentric', minDurationS: 0.3, idealDurationS: [1.2, 5] }),
    rules: [
      // Straight body line, read as the bend at the hip between shoulder and ankle. Pose models put
      // the shoulder joint a little above the line of a straight plank (+3° to +13° on real clips),
      // so hips clearly below the line for most of a rep is a sag; a pike must stand well above it.
      {
        type: 'bound',
        code: 'hips_sagging',
        feedback: "Don't let your hips sag: brace your core",
        severity: 'error',
        signal: bend('shoulder', 'hip', 'ankle'),
        min: -8,
        phase: 'any',
        minShare: 0.5,
      },
      {
        type: 'bound',
        code: 'hips_piked',
        feedback: 'Lower your hips into a straight line',
        severity: 'warning',
        signal: bend('shoulder', 'hip', 'ankle'),
        max: 18,
        phase: 'any',
        minShare: 0.15,
      },
      {
        type: 'bound',
        code: 'knees_bent',
        feedback: 'Keep your legs straight',
        severity: 'warning',
        signal: angle('hip', 'knee', 'ankle'),
        min: 140,
        phase: 'any',
        minShare: 0.15,
      },
      {
        // A neutral neck continues the hip-shoulder line through the ear; a dropped head hangs
        // below it. Correct push-ups on real clips stay under +17° for nine frames in ten, the
        // dropped heads of faulty ones sit at +27° to +51° for most of the rep. Only the side
        // view shows it.
        type: 'bound',
        code: 'head_dropped',
        feedback: 'Keep your head in line with your body: look at the floor just ahead of your hands',
        severity: 'warning',
        signal: bend('hip', 'shoulder', 'ear'),
        max: 25,
        phase: 'any',
        minShare: 0.5,
        view: 'side',
      },
      { type: 'reach', code: 'depth_shallow', feedback: 'Go lower: bend your elbows to about 90°', severity: 'warning', value: 105, on: 'display' },
      // An elbow folded this far means the chest is resting on the floor, not held above it.
      { type: 'overshoot', code: 'chest_collapse', feedback: 'Stop just above the floor: keep your body braced at the bottom', severity: 'warning', value: 40, on: 'display' },
    ],
    cue: 'Keep your body in one straight line',
  },
  benchLike('bench press', 'Feet planted, shoulder blades squeezed'),
  benchLike('incline bench press', 'Lower to your upper chest'),
  benchLike('decline bench press', 'Lower to your lower chest'),
  {
    name: 'chest fly machine',
    family: 'fly',
    // Seen from the front the hands open and close; an elbow or shoulder angle barely moves.
    primary: bilateral({ kind: 'spread', joint: 'wrist', axis: 'xy' }),
    reps: reps({ rest: 'high', amplitude: 200, minAmplitude: 60, away: 'concentric' }),
    rules: [tooFast(0.5)],
    cue: 'Squeeze your chest as the handles meet',
  },
  {
    name: 'tricep dips',
    family: 'dip',
    primary: elbowAngle,
    reps: reps({ rest: 'high', amplitude: 70, minAmplitude: 20, away: 'eccentric' }),
    rules: [
      { type: 'reach', code: 'depth_shallow', feedback: 'Lower until your elbows reach about 90°', severity: 'warning', value: 110 },
      {
        type: 'bound',
        code: 'torso_lean',
        feedback: 'Keep your torso upright and close to the bench',
        severity: 'warning',
        signal: incline('hip', 'shoulder'),
        max: 35,
        phase: 'any',
      },
    ],
    cue: 'Elbows back, shoulders down',
  },
];

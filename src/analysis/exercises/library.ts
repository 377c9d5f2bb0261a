/** The exercise library: every definition, looked up by name. */
import type { ExerciseDefinition } from '../exercise-definition.ts';
import { armExercises } from './arms.ts';
import { backExercises } from './back.ts';
import { cardioExercises } from './cardio.ts';
import { coreExercises } from './core.ts';
import { legExercises } from './legs.ts';
import { pressExercises } from './presses.ts';
import { shoulderExercises } from './shoulders.ts';

const ALL: readonly ExerciseDefinition[] = [
  ...legExercises,
  ...pressExercises,
  ...armExercises,
  ...shoulderExercises,
  ...backExercises,
  ...coreExercises,
  ...cardioExercises,
];

/** Clients and classifiers spell names loosely ("Pull-up", "pull_up", "PULL UP"); compare on letters and digits. */
function key(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const BY_KEY = new Map(ALL.map((d) => [key(d.name), d]));
if (BY_KEY.size !== ALL.length) throw new Error('exercise library: two definitions share a name');

export function listExercises(): string[] {
  return ALL.map((d) => d.name);
}

export function findExercise(name: string): ExerciseDefinition | undefined {
  return BY_KEY.get(key(name));
}

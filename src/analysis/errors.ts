/** Errors the analysis raises for the caller to map onto protocol error codes. */
export class UnknownExerciseError extends Error {
  readonly code = 'unknown_exercise';

  constructor(readonly exercise: string) {
    super(`unknown exercise: ${JSON.stringify(exercise)}`);
    this.name = 'UnknownExerciseError';
  }
}

/** Public surface of the analysis engine. */
export { SessionAnalyzer, type SessionAnalyzerOptions } from './session-analyzer.ts';
export { UnknownExerciseError } from './errors.ts';
export { listExercises, findExercise } from './exercises/library.ts';
export type { ExerciseDefinition } from './exercise-definition.ts';
export type {
  ExerciseDetail,
  FrameAnalysis,
  Landmark,
  PoseObservation,
  RepFault,
  RepRecord,
  Rgb,
  SessionSummary,
} from './types.ts';

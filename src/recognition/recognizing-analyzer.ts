/**
 * A session's analyzer with exercise recognition in front: in 'auto' mode (the default) each pose
 * goes into a rolling feature window, the classifier is asked a few times a second, the gate turns
 * its probabilities into a steady label (or idle/unknown), and the label feeds the analysis engine's
 * setRecognition — which hands over between exercises and keeps each one's reps. A declared
 * exercise overrides recognition (and skips the classifier). Synchronous, like the engine.
 */
import { SessionAnalyzer } from '../analysis/index.ts';
import type { AnalyzerSnapshot, FrameAnalysisResult, PoseObservation, SessionAnalyzerPort } from '../session/analyzer-port.ts';
import type { SummaryPayload } from '../../signaling/index.ts';
import { DEFAULT_MODEL_DIR, ExerciseClassifier } from './exercise-classifier.ts';
import { FeatureWindowBuffer } from './feature-window.ts';
import { RecognitionGate, type GateDecision, type GateOptions } from './recognition-gate.ts';

export interface RecognizingAnalyzerOptions {
  /** A library exercise or 'auto' (default). */
  exercise?: string;
  /** Seconds of stream time between two classifier decisions. */
  decisionIntervalS?: number;
  gate?: Partial<GateOptions>;
  coachingCooldownS?: number;
}

const DEFAULT_DECISION_INTERVAL_S = 0.2;

export class RecognizingAnalyzer implements SessionAnalyzerPort {
  private readonly inner: SessionAnalyzer;
  private readonly buffer: FeatureWindowBuffer;
  private readonly gate: RecognitionGate;
  private readonly interval: number;
  private auto = true;
  private lastDecisionT = -Infinity;

  constructor(
    private readonly classifier: ExerciseClassifier,
    opts: RecognizingAnalyzerOptions = {},
  ) {
    const meta = classifier.metadata;
    this.inner = new SessionAnalyzer(opts.coachingCooldownS === undefined ? {} : { coachingCooldownS: opts.coachingCooldownS });
    this.buffer = new FeatureWindowBuffer(meta.input);
    this.gate = new RecognitionGate(meta.classes, meta.idleClasses, opts.gate);
    this.interval = opts.decisionIntervalS ?? DEFAULT_DECISION_INTERVAL_S;
    this.setExercise(opts.exercise ?? 'auto');
  }

  get exercise(): string | null {
    return this.inner.exercise;
  }

  /** 'auto' while recognition drives the exercise, 'declared' after setExercise(name). */
  get mode(): 'auto' | 'declared' {
    return this.auto ? 'auto' : 'declared';
  }

  /** The gate's latest decision (state idle/unknown/active, label, confidence). */
  get recognition(): GateDecision {
    return this.gate.decision;
  }

  update(obs: PoseObservation): FrameAnalysisResult {
    let classifyMs: number | null = null;
    if (this.auto) {
      this.buffer.push(obs);
      if (obs.t < this.lastDecisionT) this.lastDecisionT = -Infinity;
      if (obs.t - this.lastDecisionT >= this.interval - 1e-6) {
        this.lastDecisionT = obs.t;
        const started = performance.now();
        const window = this.buffer.window();
        const d = this.gate.update(window === null ? null : this.classifier.predict(window));
        if (window !== null) classifyMs = performance.now() - started;
        this.inner.setRecognition(d.label, d.confidence);
      }
    }
    const result: FrameAnalysisResult = this.inner.update(obs);
    if (classifyMs !== null) result.classify_ms = Math.round(classifyMs * 1000) / 1000;
    return result;
  }

  /** 'auto' hands the choice to recognition; a library name overrides it (unknown names throw). */
  setExercise(name: string): void {
    this.inner.setExercise(name);
    this.auto = name.trim().toLowerCase() === 'auto';
    this.buffer.reset();
    this.gate.reset();
    this.lastDecisionT = -Infinity;
    this.inner.setRecognition(null, 0);
  }

  reset(): void {
    this.inner.reset();
    this.buffer.reset();
    this.gate.reset();
    this.lastDecisionT = -Infinity;
    this.inner.setRecognition(null, 0);
  }

  summary(): SummaryPayload {
    return this.inner.summary();
  }

  /** End of a recording (offline analysis only): see SessionAnalyzer.finish. */
  finish(): void {
    this.inner.finish();
  }

  snapshot(): AnalyzerSnapshot {
    return this.inner.snapshot();
  }

  /** Counts and mode come back; recognition starts afresh (its window is seconds long anyway). */
  restore(snapshot: AnalyzerSnapshot): void {
    this.inner.restore(snapshot);
    this.auto = snapshot.auto;
    this.buffer.reset();
    this.gate.reset();
    this.lastDecisionT = -Infinity;
    this.inner.setRecognition(null, 0);
  }
}

/** Makes analyzers that share one loaded classifier; carries what `system` messages report. */
export interface RecognizingAnalyzerFactory {
  (): SessionAnalyzerPort;
  readonly classifier: ExerciseClassifier;
  /** Exercise classes the model recognises (idle classes excluded): `system.supported_exercises`. */
  readonly supportedExercises: number;
  readonly exercises: readonly string[];
  /** Frees the model; analyzers made earlier must not be used afterwards. */
  close(): void;
}

/**
 * Loads the model once (WORKOUT_MODEL_PATH; empty or undefined = the committed default) and
 * returns a factory of per-session analyzers. Rejects with ModelLoadError / ModelMetadataError
 * naming the problem when the folder is incomplete or disagrees with its metadata.
 */
export async function createRecognizingAnalyzerFactory(modelPath?: string, opts: Omit<RecognizingAnalyzerOptions, 'exercise'> = {}): Promise<RecognizingAnalyzerFactory> {
  const classifier = await ExerciseClassifier.load(modelPath === undefined || modelPath === '' ? DEFAULT_MODEL_DIR : modelPath);
  const idle = new Set(classifier.metadata.idleClasses);
  const exercises = classifier.classes.filter((c) => !idle.has(c));
  const make = (): SessionAnalyzerPort => new RecognizingAnalyzer(classifier, opts);
  return Object.assign(make, {
    classifier,
    supportedExercises: exercises.length,
    exercises,
    close: () => classifier.close(),
  });
}

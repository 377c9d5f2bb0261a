import { randomUUID } from 'node:crypto';
import {
  errorMessage,
  NEUTRAL_FORM_COLOR,
  parseClientMessage,
  PROTOCOL_VERSION,
  type ClientMessage,
  type ErrorCode,
  type RepRecordMessage,
  type ServerMessage,
  type SystemPayload,
  type WorkoutPayload,
} from '../../signaling/index.ts';
import type { Config } from '../config/schema.ts';
import type { PosePool } from '../infer/pose-pool.ts';
import { LandmarkSmoother } from '../infer/landmark-smoother.ts';
import type { Landmark } from '../infer/pose-types.ts';
import type { Logger } from '../log.ts';
import type { RgbFrame } from '../media/frame.ts';
import { decodeImageFrame, FrameDecodeError } from '../media/image-decoder.ts';
import type { DropReason, EndReason, Metrics, Transport } from '../metrics/metrics.ts';
import type { AnalyzerSnapshot, SessionAnalyzerPort } from './analyzer-port.ts';
import { PipelinePolicy, type PipelineRun } from './pipeline-policy.ts';

/** A session's counted state, for resume on another connection or pod (src/session/resume-service.ts). */
export interface SessionState {
  /** Wall-clock start (epoch ms): pods share it, unlike performance.now(). */
  startedAtMs: number;
  framesReceived: number;
  framesAnalyzed: number;
  analyzer: AnalyzerSnapshot;
}

/** Told when the session's record changes, so it can be stored; must return at once (it runs on the frame path). */
export interface SessionRecorder {
  repCompleted(session: Session, rep: RepRecordMessage | undefined): void;
  reset(session: Session): void;
}

export interface SessionDeps {
  config: Config;
  pool: PosePool;
  metrics: Metrics;
  logger: Logger;
  transport: Transport;
  analyzer: SessionAnalyzerPort;
  /** Names of the exercises the analysis knows (system.supported_exercises counts them). */
  exercises: readonly string[];
  /** Delivers one message to the client; returns false when the client is too slow to take it. */
  send: (msg: ServerMessage) => boolean;
  /** The id of a resumed session; a new session gets a fresh one. */
  id?: string;
  recorder?: SessionRecorder;
}

type Job = ({ kind: 'encoded'; payload: string; arrivalMs: number } | { kind: 'decoded'; frame: RgbFrame }) & {
  /** When the job entered the frame slot. */
  queuedMs: number;
};

/** Per-stage milliseconds of one frame (reported with REPORT_STAGE_TIMINGS). */
type StageTimes = Partial<Record<'decode' | 'wait' | 'pose' | 'inference' | 'classify' | 'analyze', number>>;

/**
 * One client's workout: owns its place in the pose pool, its analyzer and its frame slot.
 * The newest frame wins: while one frame is in flight, a newer one replaces the waiting one
 * (the replaced frame is counted as dropped), so nothing queues without bound.
 */
export class Session {
  readonly id: string;
  private readonly log: Logger;
  private startedMs = performance.now();
  private startedAtMs = Date.now();
  private lastReps = 0;
  /** Unlike startedMs, not moved by reset. */
  private readonly openedMs = performance.now();
  private framesReceived = 0;
  private framesAnalyzed = 0;
  private pending: Job | null = null;
  /** Frames between the slot and their result; more than one only while the pool has idle workers. */
  private inFlight = 0;
  /** Arrival time of the newest frame whose result went out: an older result arriving later is stale. */
  private lastEmittedArrivalMs = -Infinity;
  private readonly smoother = new LandmarkSmoother();
  /** Whether a second frame may go in flight (pipelining only while one worker cannot keep up). */
  private readonly pipeline = new PipelinePolicy();
  private closed = false;
  private lastExercise: string | null = null;
  private lastPoseErrorMs = -Infinity;
  private clientClockOffsetMs: number | undefined;
  private readonly idle: Set<() => void> = new Set();

  constructor(private readonly deps: SessionDeps) {
    this.id = deps.id ?? randomUUID();
    this.log = deps.logger.child({ sessionId: this.id, transport: deps.transport });
    deps.metrics.sessionsActive.inc({ transport: deps.transport });
    this.log.info('session opened');
  }

  get frameCount(): number {
    return this.framesReceived;
  }

  get transport(): Transport {
    return this.deps.transport;
  }

  state(): SessionState {
    return {
      startedAtMs: this.startedAtMs,
      framesReceived: this.framesReceived,
      framesAnalyzed: this.framesAnalyzed,
      analyzer: this.deps.analyzer.snapshot(),
    };
  }

  /** Continues a session from its stored state: counts, and a clock that goes on from where it was. */
  restoreState(state: SessionState): void {
    this.deps.analyzer.restore(state.analyzer);
    this.framesReceived = state.framesReceived;
    this.framesAnalyzed = state.framesAnalyzed;
    this.startedAtMs = state.startedAtMs;
    // Session time keeps running through the disconnect (rests between sets count), and never goes back.
    const elapsedMs = Math.max(Date.now() - state.startedAtMs, (state.analyzer.lastT ?? 0) * 1000);
    this.startedMs = performance.now() - elapsedMs;
    this.lastExercise = this.deps.analyzer.exercise;
    this.lastReps = state.analyzer.trackers.find((t) => t.exercise === this.lastExercise)?.reps.length ?? 0;
  }

  /** The `system` message a client gets on connect. */
  systemMessage(status: SystemPayload['status'] = 'initialized', message = 'Workout analyzer ready'): ServerMessage {
    return {
      type: 'system',
      payload: {
        status,
        message,
        model_loaded: this.deps.pool.backend !== null,
        supported_exercises: this.deps.exercises.length,
        protocol_version: PROTOCOL_VERSION,
        session_id: this.id,
        exercises: [...this.deps.exercises],
        exercise: this.deps.analyzer.exercise ?? 'auto',
        backend: this.deps.pool.backend ?? 'loading',
        pose_model: `blazepose-${this.deps.config.poseModel}`,
      },
    };
  }

  /** Handles one raw client message (a string from a WebSocket, a value from socket.io). */
  handleRaw(raw: unknown, arrivalMs: number = performance.now()): void {
    if (this.closed) return;
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) {
      this.sendError(parsed.code, parsed.detail);
      return;
    }
    this.handle(parsed.message, arrivalMs);
  }

  handle(msg: ClientMessage, arrivalMs: number = performance.now()): void {
    switch (msg.type) {
      case 'frame':
        this.submit({ kind: 'encoded', payload: msg.payload, arrivalMs, queuedMs: arrivalMs });
        return;
      case 'reset':
        this.reset();
        return;
      case 'get_summary':
        this.deps.send(this.summaryMessage());
        return;
      case 'landmarks':
        this.submitLandmarks(msg.payload, arrivalMs);
        return;
      case 'resume':
        // The connection owns resume: it swaps the session (ClientConnection.resume).
        return;
      case 'set_exercise':
        try {
          this.deps.analyzer.setExercise(msg.payload.exercise);
          this.deps.send(this.systemMessage('exercise_set', `Exercise set to ${msg.payload.exercise}`));
        } catch {
          this.sendError('UNKNOWN_EXERCISE', `"${msg.payload.exercise.slice(0, 64)}"`);
        }
        return;
    }
  }

  /** Edge mode: pose ran on the client; analyse its landmarks directly (no frame slot: it costs microseconds). */
  private submitLandmarks(payload: { landmarks: Landmark[] | null; width: number; height: number; timestamp_ms?: number | undefined }, arrivalMs: number): void {
    this.framesReceived++;
    this.deps.metrics.framesReceived.inc({ transport: this.deps.transport });
    let t = (arrivalMs - this.startedMs) / 1000;
    if (payload.timestamp_ms !== undefined) {
      // The client's capture clock, anchored at its first landmarks message: tempo without network jitter.
      this.clientClockOffsetMs ??= arrivalMs - this.startedMs - payload.timestamp_ms;
      t = Math.max(0, (payload.timestamp_ms + this.clientClockOffsetMs) / 1000);
    }
    this.emitAnalysis(payload.landmarks, payload.width / payload.height, t, arrivalMs);
  }

  /** A frame already decoded by the media path (WebRTC). */
  submitFrame(frame: RgbFrame): void {
    this.submit({ kind: 'decoded', frame, queuedMs: performance.now() });
  }

  summaryMessage(): ServerMessage {
    const summary = this.deps.analyzer.summary();
    // total_frames counts what the client sent, like the live frame_count; the analyzer's own count is analyzed_frames.
    return {
      type: 'summary',
      payload: { ...summary, total_frames: Math.max(summary.total_frames, this.framesReceived), analyzed_frames: summary.total_frames, session_id: this.id },
    };
  }

  sendError(code: ErrorCode, detail?: string): void {
    this.deps.metrics.errorsSent.inc({ code });
    // Client faults are routine (info); server faults need attention (error).
    if (code === 'POSE_FAILED' || code === 'INTERNAL') this.log.error({ code, detail }, '❌ Error processing frame');
    else this.log.info({ code, detail }, 'client error');
    this.deps.send(errorMessage(code, detail));
  }

  private drop(reason: DropReason): void {
    this.deps.metrics.framesDropped.inc({ transport: this.deps.transport, reason });
  }

  private submit(job: Job): void {
    if (this.closed) return;
    this.framesReceived++;
    this.deps.metrics.framesReceived.inc({ transport: this.deps.transport });
    if (this.framesReceived % this.deps.config.processEveryNFrames !== 0) {
      this.drop('skipped');
      recycleJob(job);
      return;
    }
    this.pipeline.arrived(performance.now());
    if (this.pending) {
      this.drop('stale');
      recycleJob(this.pending);
    }
    this.pending = job;
    this.pump();
  }

  /**
   * Starts the waiting frame when nothing is in flight, or — pipelining one stream over several
   * workers — when a worker sits idle and one worker cannot keep up with the stream (PipelinePolicy).
   * With many sessions no worker idles, so each keeps one frame in flight and the workers' queues
   * serve them in turn.
   */
  private pump(): void {
    if (this.closed) return;
    const depth = this.deps.config.posePipelineDepth || this.deps.pool.size;
    while (this.pending && (this.inFlight === 0 || (this.inFlight < depth && this.pipeline.allowsOverlap() && this.deps.pool.hasIdleWorker()))) {
      const job = this.pending;
      this.pending = null;
      this.inFlight++;
      const run = this.pipeline.begin();
      void this.process(job, run).finally(() => {
        this.pipeline.end(run);
        this.inFlight--;
        this.pump();
      });
    }
    if (!this.pending && this.inFlight === 0) {
      for (const resolve of this.idle) resolve();
      this.idle.clear();
    }
  }

  private async process(job: Job, run: PipelineRun): Promise<void> {
    const { config, metrics, pool } = this.deps;
    const startedMs = performance.now();
    const stages: StageTimes = { wait: startedMs - job.queuedMs };
    let frame: RgbFrame;
    if (job.kind === 'encoded') {
      try {
        frame = await decodeImageFrame(
          job.payload,
          {
            maxBytes: config.maxFrameBytes,
            maxPixels: config.maxFramePixels,
            maxDimension: config.maxFrameDimension,
            maxSide: config.poseInputMaxSide,
            timeoutSeconds: config.frameDecodeTimeoutS,
          },
          job.arrivalMs,
        );
      } catch (err) {
        this.drop('decode_error');
        if (err instanceof FrameDecodeError) this.sendError(err.code, err.message);
        else this.sendError('CORRUPT_IMAGE', (err as Error).message);
        return;
      }
      stages.decode = performance.now() - startedMs;
    } else {
      frame = job.frame;
      if (frame.decodedMs !== undefined) stages.decode = frame.decodedMs - frame.arrivalMs;
    }
    if (stages.decode !== undefined) metrics.decodeTime.observe({ transport: this.deps.transport }, stages.decode / 1000);
    if (this.closed) return;

    let landmarks: Landmark[] | null;
    const poseStart = performance.now();
    try {
      const estimate = await pool.estimate(this.id, frame.data, frame.width, frame.height, frame.arrivalMs);
      run.serviceMs = performance.now() - startedMs;
      if (estimate.pixels) frame.recycle?.(estimate.pixels);
      metrics.inferenceTime.observe({ backend: pool.backend ?? 'unknown' }, estimate.inferenceMs / 1000);
      landmarks = estimate.result.landmarks;
      stages.pose = performance.now() - poseStart;
      stages.inference = estimate.inferenceMs;
    } catch (err) {
      if (this.closed) return;
      this.drop('pose_error');
      // One error per second at most: a dead worker must not turn into an error storm.
      if (performance.now() - this.lastPoseErrorMs > 1000) {
        this.lastPoseErrorMs = performance.now();
        this.sendError('POSE_FAILED', (err as Error).message);
      }
      return;
    }
    if (this.closed) return;
    if (frame.arrivalMs < this.lastEmittedArrivalMs) {
      // Pipelined: a newer frame overtook this one and its result already went out.
      this.drop('stale');
      return;
    }
    this.lastEmittedArrivalMs = frame.arrivalMs;
    const t = (frame.arrivalMs - this.startedMs) / 1000;
    const smoothed = config.poseSmoothing ? this.smoother.smooth(landmarks, t) : landmarks;
    this.emitAnalysis(smoothed, frame.width / frame.height, t, frame.arrivalMs, stages);
  }

  /** Analysis and the `workout` message, for landmarks from the server's pose model or the client's. */
  private emitAnalysis(landmarks: Landmark[] | null, aspect: number, t: number, arrivalMs: number, stages: StageTimes = {}): void {
    const { config, metrics, analyzer, transport } = this.deps;
    const sessionTime = (performance.now() - this.startedMs) / 1000;
    const analyzeStart = performance.now();
    const analysis = analyzer.update({ t, landmarks, aspect });
    stages.analyze = performance.now() - analyzeStart;
    if (analysis.rep_completed !== undefined || (analysis.exercise === this.lastExercise && analysis.reps > this.lastReps)) {
      this.deps.recorder?.repCompleted(this, analysis.rep_completed);
    }
    this.lastReps = analysis.reps;
    if (analysis.classify_ms !== undefined) {
      stages.classify = analysis.classify_ms;
      metrics.classifyTime.observe(analysis.classify_ms / 1000);
    }
    this.framesAnalyzed++;
    if (analysis.exercise !== this.lastExercise && analysis.exercise !== null) {
      this.log.info(`🏃 Exercise detected: ${analysis.exercise} (confidence: ${analysis.confidence.toFixed(2)})`);
    }
    this.lastExercise = analysis.exercise;
    if (this.framesAnalyzed % config.progressLogEveryFrames === 0) {
      this.log.info(`📊 Processed ${this.framesAnalyzed} frames. Current exercise: ${analysis.exercise ?? 'none'}`);
    }

    const latencyMs = performance.now() - arrivalMs;
    const payload: WorkoutPayload = {
      exercise: analysis.exercise,
      confidence: analysis.confidence,
      feedback: analysis.feedback,
      angle: analysis.angle,
      reps: analysis.reps,
      landmarks_detected: landmarks !== null,
      form_color: analysis.form_color ?? NEUTRAL_FORM_COLOR,
      session_time: Math.round(sessionTime * 10) / 10,
      frame_count: this.framesReceived,
      latency_ms: Math.round(latencyMs * 10) / 10,
    };
    if (config.reportStageTimings) {
      payload.stages_ms = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Math.round(Math.max(0, v) * 100) / 100]));
    }
    if (analysis.phase !== undefined) payload.phase = analysis.phase;
    if (analysis.form_score !== undefined) payload.form_score = analysis.form_score;
    if (analysis.hold_seconds !== undefined) payload.hold_seconds = analysis.hold_seconds;
    if (analysis.coaching_tip !== undefined) payload.coaching_tip = analysis.coaching_tip;
    if (config.sendLandmarks && landmarks) payload.landmarks = landmarksForWire(landmarks);
    if (this.deps.send({ type: 'workout', payload })) {
      metrics.framesAnalyzed.inc({ transport });
      metrics.frameLatency.observe({ transport }, latencyMs / 1000);
    } else {
      this.drop('overload');
    }
  }

  reset(): void {
    this.pending = null;
    this.framesReceived = 0;
    this.framesAnalyzed = 0;
    this.startedMs = performance.now();
    this.startedAtMs = Date.now();
    this.lastReps = 0;
    this.lastExercise = null;
    this.clientClockOffsetMs = undefined;
    this.lastEmittedArrivalMs = -Infinity;
    this.smoother.reset();
    this.pipeline.reset();
    this.deps.analyzer.reset();
    this.deps.pool.resetStream(this.id);
    this.deps.recorder?.reset(this);
    this.deps.send(this.systemMessage('reset', 'Session reset'));
  }

  /** Resolves once no frame is waiting or in flight (tests, drain). */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0 && !this.pending) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** Idempotent: releases the pose stream and metrics; the caller closes the wire. */
  close(reason: EndReason): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = null;
    for (const resolve of this.idle) resolve();
    this.idle.clear();
    this.deps.pool.releaseStream(this.id);
    this.deps.metrics.sessionsActive.dec({ transport: this.deps.transport });
    this.deps.metrics.sessionsEnded.inc({ transport: this.deps.transport, reason });
    this.deps.metrics.sessionDuration.observe({ transport: this.deps.transport }, (performance.now() - this.openedMs) / 1000);
    this.log.info({ reason, frames: this.framesReceived, analyzed: this.framesAnalyzed }, 'session closed');
  }
}

/**
 * The landmarks as a `workout` message carries them (for drawing): x, y, z to 1e-4 of the frame's
 * side (0.2 px at 1920 px, far below BlazePose's own jitter) and visibility to 1e-3. Full doubles
 * print 17–19 digits each: a message with landmarks is ~3 KB with them and 1.1–1.2 KB rounded
 * (measured on a squat clip), which on the data channel is mostly one SCTP chunk of werift's 1,200
 * bytes (one DTLS record, one UDP send) instead of three; per-stage timings or the optional coaching
 * fields can still take it to two.
 * The analysis works on the unrounded values.
 */
export function landmarksForWire(landmarks: readonly Landmark[]): Landmark[] {
  return landmarks.map(([x, y, z, v]) => [roundTo(x, 1e4), roundTo(y, 1e4), roundTo(z, 1e4), roundTo(v, 1e3)]);
}

function roundTo(value: number, scale: number): number {
  return Math.round(value * scale) / scale;
}

/** A frame that will never reach a worker gives its pixel memory back to the decoder. */
function recycleJob(job: Job): void {
  if (job.kind !== 'decoded' || !job.frame.recycle) return;
  const { data } = job.frame;
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer) job.frame.recycle(data.buffer);
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Transports a session can arrive on; the only values of the `transport` label. */
export const TRANSPORTS = ['websocket', 'socketio', 'webrtc'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Why frames are dropped; the only values of the `reason` label of frames_dropped. */
export const DROP_REASONS = ['stale', 'skipped', 'decode_error', 'pose_error', 'overload', 'gate'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Why sessions end; the only values of sessions_ended's `reason` label. */
export const END_REASONS = ['client_closed', 'flood', 'oversize', 'server_shutdown', 'timeout', 'failed'] as const;
export type EndReason = (typeof END_REASONS)[number];

/**
 * Every metric the server exports (catalogue: docs/metrics.md). One registry per app so tests can run
 * several apps in one process. Labels come from the fixed sets above, never from client strings.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly framesReceived = new Counter({
    name: 'workout_frames_received_total',
    help: 'Frames received from clients',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly framesAnalyzed = new Counter({
    name: 'workout_frames_analyzed_total',
    help: 'Frames that went through pose estimation and analysis',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly framesDropped = new Counter({
    name: 'workout_frames_dropped_total',
    help: 'Frames dropped before analysis, by reason',
    labelNames: ['transport', 'reason'] as const,
    registers: [this.registry],
  });
  readonly frameLatency = new Histogram({
    name: 'workout_frame_latency_seconds',
    help: 'Frame arrival at the server to its result leaving',
    labelNames: ['transport'] as const,
    buckets: [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2],
    registers: [this.registry],
  });
  readonly inferenceTime = new Histogram({
    name: 'workout_pose_inference_seconds',
    help: 'Pose estimation time per frame inside the worker',
    labelNames: ['backend'] as const,
    buckets: [0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.2, 0.5],
    registers: [this.registry],
  });
  readonly decodeTime = new Histogram({
    name: 'workout_decode_seconds',
    help: 'Image decode and scale time per legacy frame',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2],
    registers: [this.registry],
  });
  readonly sessionsActive = new Gauge({
    name: 'workout_sessions_active',
    help: 'Sessions currently connected',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly sessionsEnded = new Counter({
    name: 'workout_sessions_ended_total',
    help: 'Sessions ended, by reason',
    labelNames: ['transport', 'reason'] as const,
    registers: [this.registry],
  });
  readonly errorsSent = new Counter({
    name: 'workout_errors_sent_total',
    help: 'Error messages sent to clients, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly authRejections = new Counter({
    name: 'workout_auth_rejections_total',
    help: 'Connections refused by authentication or the origin allowlist, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly workerRestarts = new Counter({
    name: 'workout_pose_worker_restarts_total',
    help: 'Pose workers restarted after a crash or stall',
    registers: [this.registry],
  });
  readonly backendInfo = new Gauge({
    name: 'workout_backend_info',
    help: 'The tfjs backend and pose model in use (value 1)',
    labelNames: ['backend', 'pose_model'] as const,
    registers: [this.registry],
  });
  readonly modelsReady = new Gauge({
    name: 'workout_models_ready',
    help: '1 once the pose workers have loaded their models',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode } from '../../signaling/index.ts';
import { PeerStatsAggregator, type PeerCounterField, type PeerStatsLike } from './peer-stats.ts';

/** Transports a session can arrive on; the only values of the `transport` label. */
export const TRANSPORTS = ['websocket', 'socketio', 'webrtc'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/**
 * Why frames are dropped, each in the stage of the data path where it happens (the `stage` label is
 * derived, never passed). The WebRTC media reasons are counted before a frame reaches its session.
 */
export const DROP_STAGES = {
  skipped: 'ingest',
  rate_limited: 'ingest',
  keyframe_wait: 'ingest',
  decode_error: 'decode',
  decoder_backlog: 'decode',
  decoder_error: 'decode',
  stale: 'infer',
  pose_error: 'infer',
  overload: 'emit',
} as const;
export type DropReason = keyof typeof DROP_STAGES;
export const DROP_REASONS = Object.keys(DROP_STAGES) as DropReason[];

/** Why sessions end; the only values of sessions_ended's `reason` label. */
export const END_REASONS = [
  'client_closed',
  'flood',
  'oversize',
  'server_shutdown',
  'timeout',
  'failed',
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** Refused connections, calls and messages: the only values of rejections' `reason` label, keyed by the error code sent. */
const REJECT_REASON_BY_CODE: Partial<Record<ErrorCode, string>> = {
  SERVER_DRAINING: 'draining',
  SESSION_LIMIT: 'session_limit',
  PEER_LIMIT: 'peer_limit',
  SDP_INVALID: 'sdp_invalid',
  SDP_TOO_LARGE: 'sdp_invalid',
  SDP_TOO_MANY_MEDIA: 'sdp_invalid',
  NO_SUPPORTED_CODEC: 'sdp_invalid',
  NEGOTIATION_FAILED: 'negotiation_failed',
  INTERNAL: 'negotiation_failed',
  RATE_LIMITED: 'rate_limited',
  MESSAGE_TOO_LARGE: 'oversize',
  UNAUTHORIZED: 'unauthorized',
};
export const REJECT_REASONS = [...new Set(Object.values(REJECT_REASON_BY_CODE))];

/** Phases of a WebRTC call's setup, timed from the offer's answer; the only values of the `phase` label. */
export const SETUP_PHASES = ['ice_connected', 'dtls_connected', 'first_frame', 'first_result'] as const;
export type SetupPhase = (typeof SETUP_PHASES)[number];

/**
 * Every metric the server exports (catalogue: docs/metrics.md). One registry per app so tests can run
 * several apps in one process. Labels come from the fixed sets above, never from client strings.
 */
export class Metrics {
  readonly registry = new Registry();
  /** Media counters of the WebRTC calls (see trackPeer). */
  private readonly peers = new PeerStatsAggregator();

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
  private readonly framesDroppedCounter = (() => {
    const peers = this.peers;
    const media: [DropReason, PeerCounterField][] = [
      ['keyframe_wait', 'framesDroppedAwaitingKeyframe'],
      ['decoder_backlog', 'framesDroppedBacklog'],
      ['decoder_error', 'framesDroppedByDecoder'],
    ];
    return new Counter({
      name: 'workout_frames_dropped_total',
      help: 'Frames dropped before their result went out, by stage of the data path and reason',
      labelNames: ['transport', 'stage', 'reason'] as const,
      registers: [this.registry],
      collect() {
        for (const [reason, field] of media) {
          const grown = peers.delta(field);
          if (grown > 0) this.inc({ transport: 'webrtc', stage: DROP_STAGES[reason], reason }, grown);
        }
      },
    });
  })();
  /** Counts dropped frames; the stage label follows from the reason. */
  readonly framesDropped = {
    inc: (labels: { transport: Transport; reason: DropReason }, value = 1): void =>
      this.framesDroppedCounter.inc({ ...labels, stage: DROP_STAGES[labels.reason] }, value),
  };
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
    help: 'Decode time per frame: image decode and scale (legacy), last RTP packet to decoded frame (webrtc)',
    labelNames: ['transport'] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5],
    registers: [this.registry],
  });
  /** Exercise recognition time per classified window (observed by the recognition stage). */
  readonly classifyTime = new Histogram({
    name: 'workout_classify_seconds',
    help: 'Exercise classifier time per classified window',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2],
    registers: [this.registry],
  });
  readonly sessionSetup = new Histogram({
    name: 'workout_session_setup_seconds',
    help: 'WebRTC call setup, from the answer to each phase (ICE, DTLS, first decoded frame, first result)',
    labelNames: ['phase'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20],
    registers: [this.registry],
  });
  readonly sessionDuration = new Histogram({
    name: 'workout_session_duration_seconds',
    help: 'How long sessions lasted, by transport',
    labelNames: ['transport'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
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
  readonly rejections = new Counter({
    name: 'workout_rejections_total',
    help: 'Connections, calls and messages refused, by reason',
    labelNames: ['reason'] as const,
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
    help: 'The tfjs backend, pose model and landmark crop sampler in use (value 1)',
    labelNames: ['backend', 'pose_model', 'crop_sampler'] as const,
    registers: [this.registry],
  });
  readonly landmarkBatchMax = new Gauge({
    name: 'workout_pose_landmark_batch_max',
    help: 'Largest cross-session batch of the pose landmark model per worker (1 = no batching)',
    registers: [this.registry],
  });
  readonly modelsReady = new Gauge({
    name: 'workout_models_ready',
    help: '1 once the pose workers have loaded their models',
    registers: [this.registry],
  });
  readonly draining = new Gauge({
    name: 'workout_draining',
    help: '1 while the instance drains (SIGTERM): it refuses new sessions',
    registers: [this.registry],
  });
  readonly sessionLimit = new Gauge({
    name: 'workout_sessions_limit',
    help: 'Session cap of this instance (MAX_SESSIONS; 0 = unlimited)',
    registers: [this.registry],
  });

  readonly rtpPacketsReceived = this.peerCounter(
    'workout_rtp_packets_received_total',
    'RTP packets received on WebRTC calls',
    'packetsReceived',
  );
  readonly rtpBytesReceived = this.peerCounter(
    'workout_rtp_received_bytes_total',
    'RTP bytes received on WebRTC calls',
    'bytesReceived',
  );
  readonly nackSent = this.peerCounter(
    'workout_rtcp_nack_sent_total',
    'RTCP NACKs sent (packet loss seen by the jitter buffer)',
    'nackSent',
  );
  readonly pliSent = this.peerCounter(
    'workout_rtcp_pli_sent_total',
    'RTCP PLIs sent (keyframe requests)',
    'pliSent',
  );
  readonly ffmpegRestarts = this.peerCounter(
    'workout_ffmpeg_restarts_total',
    'ffmpeg decoder children restarted after dying',
    'ffmpegRestarts',
  );
  readonly ffmpegProcesses = (() => {
    const peers = this.peers;
    return new Gauge({
      name: 'workout_ffmpeg_processes',
      help: 'ffmpeg decoder children running',
      registers: [this.registry],
      collect() {
        this.set(peers.ffmpegProcesses());
      },
    });
  })();
  readonly webrtcCallsActive = (() => {
    const peers = this.peers;
    return new Gauge({
      name: 'workout_webrtc_calls_active',
      help: 'WebRTC peer connections open',
      registers: [this.registry],
      collect() {
        this.set(peers.liveCalls);
      },
    });
  })();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts a refusal by the error code the client got; codes that are not refusals are ignored. */
  reject(code: ErrorCode): void {
    const reason = REJECT_REASON_BY_CODE[code];
    if (reason) this.rejections.inc({ reason });
  }

  /** Exports a WebRTC call's media counters while it lives; call the returned function when it ends. */
  trackPeer(stats: () => PeerStatsLike): () => void {
    return this.peers.track(stats);
  }

  private peerCounter(name: string, help: string, field: PeerCounterField): Counter {
    const peers = this.peers;
    return new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        const grown = peers.delta(field);
        if (grown > 0) this.inc(grown);
      },
    });
  }
}

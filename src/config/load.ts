import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './schema.ts';

/** Env var → config key. Both spellings of the seed's names are accepted. */
export const ENV_MAP: Readonly<Record<string, keyof Config>> = {
  PORT: 'port',
  HOST: 'host',
  LOG_LEVEL: 'logLevel',
  WORKOUT_MODEL_PATH: 'workoutModelPath',
  PROCESS_EVERY_N_FRAMES: 'processEveryNFrames',
  process_every_n_frames: 'processEveryNFrames',
  MAX_FRAMES: 'maxFrames',
  POSE_MODEL: 'poseModel',
  TF_BACKEND: 'tfBackend',
  POSE_WORKERS: 'poseWorkers',
  POSE_INPUT_MAX_SIDE: 'poseInputMaxSide',
  POSE_SMOOTHING: 'poseSmoothing',
  POSE_PIPELINE_DEPTH: 'posePipelineDepth',
  POSE_BATCH_MAX: 'poseBatchMax',
  POSE_BATCH_WAIT_MS: 'poseBatchWaitMs',
  POSE_REFINE_LANDMARKS: 'poseRefineLandmarks',
  POSE_TIMEOUT_MS: 'poseTimeoutMs',
  POSE_WARMUP_MS: 'poseWarmupMs',
  POSE_CROP_SAMPLER: 'poseCropSampler',
  SEND_LANDMARKS: 'sendLandmarks',
  REPORT_STAGE_TIMINGS: 'reportStageTimings',
  MAX_MESSAGE_BYTES: 'maxMessageBytes',
  MAX_FRAME_BYTES: 'maxFrameBytes',
  MAX_FRAME_PIXELS: 'maxFramePixels',
  MAX_FRAME_DIMENSION: 'maxFrameDimension',
  RATE_LIMIT_PER_SECOND: 'rateLimitPerSecond',
  RATE_LIMIT_BURST: 'rateLimitBurst',
  MAX_SESSIONS_PER_ADDRESS: 'maxSessionsPerAddress',
  FFMPEG_PATH: 'ffmpegPath',
  PATH: 'searchPath',
  ICE_SERVERS: 'iceServers',
  ICE_ADDITIONAL_HOST_ADDRESSES: 'iceAdditionalHostAddresses',
  WEBRTC_FRAME_WIDTH: 'webrtcFrameWidth',
  WEBRTC_FRAME_HEIGHT: 'webrtcFrameHeight',
  ICE_TIMEOUT_MS: 'iceTimeoutMs',
  DTLS_TIMEOUT_MS: 'dtlsTimeoutMs',
  FIRST_FRAME_TIMEOUT_MS: 'firstFrameTimeoutMs',
  MEDIA_TIMEOUT_MS: 'mediaTimeoutMs',
  MAX_VIDEO_DIMENSION: 'maxVideoDimension',
  MAX_VIDEO_BITRATE_KBPS: 'maxVideoBitrateKbps',
  FRAME_DECODE_TIMEOUT_S: 'frameDecodeTimeoutS',
  MAX_SDP_BYTES: 'maxSdpBytes',
  MAX_SDP_MEDIA_SECTIONS: 'maxSdpMediaSections',
  MAX_PEERS_PER_SOCKET: 'maxPeersPerSocket',
  ICE_PORT_RANGE: 'icePortRange',
  AUTH_MODE: 'authMode',
  AUTH_SECRET: 'authSecret',
  AUTH_PUBLIC_KEY: 'authPublicKey',
  AUTH_JWKS: 'authJwks',
  AUTH_ISSUER: 'authIssuer',
  AUTH_AUDIENCE: 'authAudience',
  ALLOWED_ORIGINS: 'allowedOrigins',
  DATABASE_URL: 'databaseUrl',
  RESUME_WINDOW_MS: 'resumeWindowMs',
  MAX_SESSIONS: 'maxSessions',
  REDIS_URL: 'redisUrl',
  DRAIN_TIMEOUT_MS: 'drainTimeoutMs',
  WEB_DEMO_DIR: 'webDemoDir',
  PROGRESS_LOG_EVERY_FRAMES: 'progressLogEveryFrames',
};

const JSON_KEYS: ReadonlySet<keyof Config> = new Set(['iceServers', 'iceAdditionalHostAddresses', 'allowedOrigins']);
const BOOLEAN_KEYS: ReadonlySet<keyof Config> = new Set(['poseSmoothing', 'poseRefineLandmarks', 'sendLandmarks', 'reportStageTimings']);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function fromEnv(env: NodeJS.ProcessEnv, problems: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_MAP)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (JSON_KEYS.has(key)) {
      try {
        out[key] = JSON.parse(raw);
      } catch {
        problems.push(`${name}: not valid JSON`);
      }
    } else if (BOOLEAN_KEYS.has(key)) {
      // z.coerce.boolean() would read "false" as true.
      if (!/^(true|false|1|0)$/i.test(raw)) problems.push(`${name}: expected true/false, got "${raw}"`);
      else out[key] = /^(true|1)$/i.test(raw);
    } else {
      out[key] = raw;
    }
  }
  return out;
}

function fromFile(path: string, problems: string[]): Record<string, unknown> {
  try {
    const text = readFileSync(path, 'utf8');
    const value: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    problems.push(`${path}: expected an object of settings`);
  } catch (err) {
    problems.push(`${path}: ${(err as Error).message}`);
  }
  return {};
}

/**
 * Builds the one frozen config: defaults < config file (CONFIG_FILE, JSON or YAML) < env < overrides.
 * Throws ConfigError listing every problem at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const file = env.CONFIG_FILE ? fromFile(env.CONFIG_FILE, problems) : {};
  const merged = { ...file, ...fromEnv(env, problems), ...overrides };
  const parsed = configSchema.strict().safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.');
      const envName = Object.entries(ENV_MAP).find(([, k]) => k === issue.path[0])?.[0];
      problems.push(`${key}${envName ? ` (${envName})` : ''}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return Object.freeze(parsed.data);
}

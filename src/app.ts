import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Config } from './config/schema.ts';
import { PosePool } from './infer/pose-pool.ts';
import { FfmpegDecoder } from './media/ffmpeg/ffmpeg-decoder.ts';
import { resolveFfmpegPath, type FfmpegBinary } from './media/ffmpeg/ffmpeg-path.ts';
import type { Logger } from './log.ts';
import { Metrics, type Transport } from './metrics/metrics.ts';
import type { SessionAnalyzerPort } from './session/analyzer-port.ts';
import { ResumeService } from './session/resume-service.ts';
import type { HistoryStore } from './store/history-store.ts';
import { openHistoryStore } from './store/open-store.ts';
import type { AppContext } from './transport/app-context.ts';
import { Authenticator } from './transport/auth.ts';
import { handleHistoryApi } from './transport/history-api.ts';
import { createHttpHandler } from './transport/http-routes.ts';
import { SocketIoEndpoint } from './transport/socketio-server.ts';
import { LegacyWebSocketEndpoint } from './transport/websocket-legacy.ts';

export interface AppDeps {
  logger: Logger;
  /** Makes one analyzer per session (the analysis engine, or recognition + analysis). */
  createAnalyzer: () => SessionAnalyzerPort;
  exercises: readonly string[];
}

export interface App {
  readonly server: Server;
  readonly metrics: Metrics;
  readonly pool: PosePool;
  readonly socketIo: SocketIoEndpoint;
  /** Listens; resolves with the bound port. Models keep loading in the background (see `ready`). */
  listen(): Promise<number>;
  /** Resolves once the pose workers have loaded their models. */
  ready(): Promise<void>;
  /** SIGTERM path: refuse new sessions, send every client its summary, wait, then close. */
  drain(): Promise<void>;
  close(): Promise<void>;
  readonly url: string;
}

interface TrackedConnection {
  drain: () => void;
  close: () => void;
  transport: Transport;
}

/** The composition root: wires config, metrics, the pose pool and every transport on one port. */
export function createApp(config: Config, deps: AppDeps): App {
  const { logger } = deps;
  const metrics = new Metrics();
  const nativeBackend = config.tfBackend === 'tensorflow' || config.tfBackend === 'tensorflow-gpu';
  const poolSize = config.poseWorkers > 0 ? config.poseWorkers : nativeBackend ? 1 : availableParallelism();
  const pool = new PosePool({
    size: poolSize,
    backend: config.tfBackend,
    modelType: config.poseModel,
    // Smoothing happens on the session, where a pipelined stream's frames meet again (landmark-smoother.ts).
    smoothing: false,
    timeoutMs: config.poseTimeoutMs,
    batch: { maxBatch: config.poseBatchMax, maxWaitMs: config.poseBatchWaitMs },
    refine: config.poseRefineLandmarks,
    warmupMs: config.poseWarmupMs,
    cropSampler: config.poseCropSampler,
    logger,
    onRestart: () => metrics.workerRestarts.inc(),
  });

  let modelsLoaded = false;
  let draining = false;
  let closed: Promise<void> | null = null;
  const connections = new Set<TrackedConnection>();
  // The session cap counts WebSocket and socket.io connections: a WebRTC call rides on its socket.io one.
  let capped = 0;
  /** Open connections per client address (MAX_SESSIONS_PER_ADDRESS). */
  const perAddressCounts = new Map<string, number>();
  const atCap = (): boolean => config.maxSessions > 0 && capped >= config.maxSessions;
  metrics.sessionLimit.set(config.maxSessions);

  const readyPromise = pool.ready().then((backend) => {
    modelsLoaded = true;
    metrics.modelsReady.set(1);
    metrics.backendInfo.set({ backend, pose_model: `blazepose-${config.poseModel}`, crop_sampler: pool.cropSampler ?? 'none' }, 1);
    metrics.landmarkBatchMax.set(pool.landmarkBatchMax);
    const warmups = pool.warmups.filter((w) => w !== null);
    logger.info(
      {
        backend,
        poseModel: config.poseModel,
        workers: poolSize,
        landmarkBatchMax: pool.landmarkBatchMax,
        cropSampler: pool.cropSampler,
        // Per worker: landmark model calls, and ms per call in its first and last block.
        ...(warmups.length ? { warmup: warmups.map((w) => `${w.calls} calls, ${w.firstBlockMs.toFixed(1)} -> ${w.lastBlockMs.toFixed(1)} ms`) } : {}),
      },
      '✅ WorkoutAnalyzer initialized successfully',
    );
  });
  readyPromise.catch((err: Error) => logger.fatal({ err: err.message }, '❌ Could not load the pose models'));

  // The history store opens alongside the models; sessions queue their writes until it is open.
  let store: HistoryStore | null = null;
  const storePromise = openHistoryStore(config.databaseUrl, (err) => logger.error({ err: err.message }, 'history database connection lost'));
  storePromise.then(
    (opened) => {
      store = opened;
      logger.info({ database: opened.kind }, 'history store open');
    },
    (err: Error) => logger.fatal({ err: err.message }, '❌ Could not open the history store'),
  );
  const resume = new ResumeService({ store: storePromise, windowMs: config.resumeWindowMs, logger });

  const auth = new Authenticator({
    mode: config.authMode,
    secret: config.authSecret,
    publicKey: config.authPublicKey,
    jwks: config.authJwks,
    issuer: config.authIssuer,
    audience: config.authAudience,
    allowedOrigins: config.allowedOrigins,
  });
  const ctx: AppContext = {
    config,
    pool,
    metrics,
    logger,
    exercises: deps.exercises,
    createAnalyzer: deps.createAnalyzer,
    isDraining: () => draining,
    auth,
    resume,
    admit: (address) => {
      const perAddress = perAddressCounts.get(address) ?? 0;
      const overAddressCap = config.maxSessionsPerAddress > 0 && perAddress >= config.maxSessionsPerAddress;
      const refusal = draining ? 'SERVER_DRAINING' : atCap() || overAddressCap ? 'SESSION_LIMIT' : undefined;
      if (refusal) metrics.reject(refusal);
      else perAddressCounts.set(address, perAddress + 1);
      return refusal;
    },
    leave: (address) => {
      const n = (perAddressCounts.get(address) ?? 0) - 1;
      if (n > 0) perAddressCounts.set(address, n);
      else perAddressCounts.delete(address);
    },
    onAuthReject: (reason) => {
      metrics.authRejections.inc({ reason });
      metrics.reject('UNAUTHORIZED');
      logger.info({ reason }, 'connection refused');
    },
    track: (conn) => {
      connections.add(conn);
      if (conn.transport !== 'webrtc') capped++;
      return () => {
        if (connections.delete(conn) && conn.transport !== 'webrtc') capped--;
      };
    },
  };

  const server = createServer(
    createHttpHandler({
      isReady: () => modelsLoaded && store !== null && !draining && !atCap(),
      readinessDetail: () =>
        draining ? 'draining' : !modelsLoaded ? 'loading models' : store === null ? 'history store not open' : 'at session limit',
      metrics,
      webDemoDir: config.webDemoDir,
      historyApi: (req, res, url) => handleHistoryApi({ store: () => store, auth, logger }, req, res, url),
    }),
  );
  const legacyWs = new LegacyWebSocketEndpoint(ctx, server);
  let ffmpeg: FfmpegBinary | undefined;
  // Resolved on the first call, not at start: legacy-only deployments need no ffmpeg.
  const resolveFfmpeg = (): FfmpegBinary => {
    ffmpeg ??= resolveFfmpegPath({ configured: config.ffmpegPath || undefined, pathEnv: config.searchPath });
    return ffmpeg;
  };
  const socketIo = new SocketIoEndpoint(ctx, server, resolveFfmpeg);
  // socket.io across pods; sessions never wait on Redis, so neither does start-up.
  if (config.redisUrl) socketIo.useRedis(config.redisUrl);
  // fluent-ffmpeg probes the binary's capabilities once per process (~1 s): pay it before the first call.
  void readyPromise
    .then(() => FfmpegDecoder.warmUp(resolveFfmpeg().path))
    .catch((err: Error) => logger.warn({ err: err.message }, 'ffmpeg not usable: WebRTC calls will fail'));
  let port = 0;

  const close = (): Promise<void> => {
    closed ??= (async () => {
      for (const conn of [...connections]) conn.close();
      await Promise.allSettled([legacyWs.close(), socketIo.close(), pool.close()]);
      // Every session was parked or finished above: write that, then close the database.
      await resume.close();
      await storePromise.then((s) => s.close()).catch((err: Error) => logger.warn({ err: err.message }, 'closing the history store'));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      logger.info('server closed');
    })();
    return closed;
  };

  return {
    server,
    metrics,
    pool,
    socketIo,
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    listen: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          port = (server.address() as AddressInfo).port;
          logger.info({ port, host: config.host }, 'listening');
          resolve(port);
        });
      }),
    ready: () => Promise.all([readyPromise, storePromise]).then(() => undefined),
    drain: async () => {
      if (draining) return;
      draining = true;
      metrics.draining.set(1);
      logger.info({ sessions: connections.size, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
      for (const conn of connections) conn.drain();
      const deadline = performance.now() + config.drainTimeoutMs;
      while (connections.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await close();
    },
    close,
  };
}

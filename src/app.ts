import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Config } from './config/schema.ts';
import { PosePool } from './infer/pose-pool.ts';
import { FfmpegDecoder } from './media/ffmpeg/ffmpeg-decoder.ts';
import { resolveFfmpegPath, type FfmpegBinary } from './media/ffmpeg/ffmpeg-path.ts';
import type { Logger } from './log.ts';
import { Metrics } from './metrics/metrics.ts';
import type { SessionAnalyzerPort } from './session/analyzer-port.ts';
import type { AppContext } from './transport/app-context.ts';
import { Authenticator } from './transport/auth.ts';
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
    logger,
    onRestart: () => metrics.workerRestarts.inc(),
  });

  let modelsLoaded = false;
  let draining = false;
  let closed: Promise<void> | null = null;
  const connections = new Set<TrackedConnection>();

  const readyPromise = pool.ready().then((backend) => {
    modelsLoaded = true;
    metrics.modelsReady.set(1);
    metrics.backendInfo.set({ backend, pose_model: `blazepose-${config.poseModel}` }, 1);
    logger.info({ backend, poseModel: config.poseModel, workers: poolSize }, '✅ WorkoutAnalyzer initialized successfully');
  });
  readyPromise.catch((err: Error) => logger.fatal({ err: err.message }, '❌ Could not load the pose models'));

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
    onAuthReject: (reason) => {
      metrics.authRejections.inc({ reason });
      logger.info({ reason }, 'connection refused');
    },
    track: (conn) => {
      connections.add(conn);
      return () => connections.delete(conn);
    },
  };

  const server = createServer(
    createHttpHandler({
      isReady: () => modelsLoaded && !draining,
      readinessDetail: () => (draining ? 'draining' : 'loading models'),
      metrics,
      webDemoDir: config.webDemoDir,
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
  // fluent-ffmpeg probes the binary's capabilities once per process (~1 s): pay it before the first call.
  void readyPromise
    .then(() => FfmpegDecoder.warmUp(resolveFfmpeg().path))
    .catch((err: Error) => logger.warn({ err: err.message }, 'ffmpeg not usable: WebRTC calls will fail'));
  let port = 0;

  const close = (): Promise<void> => {
    closed ??= (async () => {
      for (const conn of [...connections]) conn.close();
      await Promise.allSettled([legacyWs.close(), socketIo.close(), pool.close()]);
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
    ready: () => readyPromise,
    drain: async () => {
      if (draining) return;
      draining = true;
      logger.info({ sessions: connections.size, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
      for (const conn of connections) conn.drain();
      const deadline = performance.now() + config.drainTimeoutMs;
      while (connections.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await close();
    },
    close,
  };
}

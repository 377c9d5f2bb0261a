import { listExercises } from '../../src/analysis/index.ts';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { createRecognizingAnalyzerFactory, type RecognizingAnalyzerFactory } from '../../src/recognition/recognizing-analyzer.ts';

// One classifier per test process, shared by the servers it starts (as one process shares it in production).
let recognition: Promise<RecognizingAnalyzerFactory> | undefined;

/** A real server on an ephemeral port with models loaded, as `npm start` builds it. */
export async function startServer(overrides: Partial<Config> = {}): Promise<App> {
  // Only PATH from the environment (to find ffmpeg): tests must not depend on the caller's settings.
  // No start-up warm-up of the landmark model (seconds per server); the metrics test turns it on.
  const config = loadConfig({ PATH: process.env.PATH }, { port: 0, host: '127.0.0.1', poseWorkers: 1, databaseUrl: 'sqlite::memory:', poseWarmupMs: 0, ...overrides });
  recognition ??= createRecognizingAnalyzerFactory(config.workoutModelPath);
  const app = createApp(config, {
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    createAnalyzer: await recognition,
    exercises: listExercises(),
  });
  await app.listen();
  await app.ready();
  return app;
}

import { listExercises, SessionAnalyzer } from '../../src/analysis/index.ts';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';

/** A real server on an ephemeral port with models loaded, as `npm start` builds it. */
export async function startServer(overrides: Partial<Config> = {}): Promise<App> {
  // Only PATH from the environment (to find ffmpeg): tests must not depend on the caller's settings.
  const config = loadConfig({ PATH: process.env.PATH }, { port: 0, host: '127.0.0.1', poseWorkers: 1, databaseUrl: 'sqlite::memory:', ...overrides });
  const app = createApp(config, {
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    createAnalyzer: () => new SessionAnalyzer(),
    exercises: listExercises(),
  });
  await app.listen();
  await app.ready();
  return app;
}

/** Process entry: config, logger, app; SIGTERM drains. */
import { listExercises, SessionAnalyzer } from './analysis/index.ts';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { createLogger } from './log.ts';

function configOrExit(): ReturnType<typeof loadConfig> {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

const config = configOrExit();
const logger = createLogger(config.logLevel);
const app = createApp(config, {
  logger,
  createAnalyzer: () => new SessionAnalyzer(),
  exercises: listExercises(),
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.drain().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err: err.message }, 'drain failed');
        process.exit(1);
      },
    );
  });
}

await app.listen();
app.ready().catch(() => process.exit(1));

/** Process entry: config, logger, app; SIGTERM drains. */
import { listExercises } from './analysis/index.ts';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { createLogger } from './log.ts';
import { missingServerNodeFlags } from './node-flags.ts';
import { createRecognizingAnalyzerFactory } from './recognition/recognizing-analyzer.ts';

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
const missingFlags = missingServerNodeFlags();
if (missingFlags.length > 0) logger.warn({ missing: missingFlags }, 'started without the V8 flags of `npm start` (src/node-flags.ts): more CPU per frame');
// The exercise classifier (WORKOUT_MODEL_PATH, else the bundled default); a bad model stops the start
// with a message naming the problem.
const recognition = await createRecognizingAnalyzerFactory(config.workoutModelPath).catch((err: Error) => {
  logger.fatal({ err: err.message, modelPath: config.workoutModelPath || 'default' }, '❌ Could not load model');
  process.exit(1);
});
logger.info({ model: recognition.classifier.metadata.name, classes: recognition.supportedExercises }, 'exercise classifier loaded');
const app = createApp(config, {
  logger,
  createAnalyzer: recognition,
  exercises: listExercises(),
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.drain().then(
      () => {
        recognition.close();
        process.exit(0);
      },
      (err: Error) => {
        logger.error({ err: err.message }, 'drain failed');
        process.exit(1);
      },
    );
  });
}

await app.listen();
app.ready().catch(() => process.exit(1));

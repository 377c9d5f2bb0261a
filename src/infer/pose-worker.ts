/**
 * Worker-thread entry: one tfjs instance, one pose estimator. Requests are answered in order; with
 * landmark batching on, frames of different streams run concurrently (so their landmark crops can
 * meet in one model call) while each stream's own frames stay in order.
 */
import { parentPort } from 'node:worker_threads';
import { selectBackend } from './backend.ts';
import { resolveBatchMax } from './landmark-step.ts';
import { PoseEstimator } from './pose-estimator.ts';
import type { PoseWorkerRequest, PoseWorkerResponse } from './pose-worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('pose-worker must run in a worker thread');

let estimator: PoseEstimator | null = null;
let batching = false;

const post = (msg: PoseWorkerResponse, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

async function handle(msg: PoseWorkerRequest): Promise<void> {
  switch (msg.kind) {
    case 'init': {
      try {
        const backend = await selectBackend(msg.backend);
        const batchMax = resolveBatchMax(msg.batchMax, backend);
        batching = batchMax > 1;
        estimator = await PoseEstimator.load({
          modelType: msg.modelType,
          smoothing: msg.smoothing,
          refine: msg.refine,
          referencePipeline: msg.referencePipeline,
          cropSampler: msg.cropSampler,
          ...(batching ? { batch: { maxBatch: batchMax, maxWaitMs: msg.batchWaitMs } } : {}),
        });
        // Warm-up: the first inference compiles kernels and allocates (~0.5 s); no user frame should pay it.
        const size = 256;
        await estimator.estimate('warm-up', new Uint8Array(size * size * 3).fill(96), size, size, 0);
        estimator.releaseStream('warm-up');
        // Then the landmark model until V8 has optimised its kernels (see PoseEstimator.warmUp).
        const warmup = msg.warmupMs > 0 ? await estimator.warmUp(msg.warmupMs) : null;
        post({ kind: 'ready', backend, batchMax, warmup, cropSampler: estimator.cropSampler });
      } catch (err) {
        post({ kind: 'fatal', message: (err as Error).message });
      }
      return;
    }
    case 'estimate': {
      if (!estimator) {
        post({ kind: 'error', id: msg.id, message: 'worker not initialised' });
        return;
      }
      const start = performance.now();
      try {
        const result = await estimator.estimate(msg.streamId, new Uint8Array(msg.pixels), msg.width, msg.height, msg.timestampMs);
        post({ kind: 'result', id: msg.id, result, inferenceMs: performance.now() - start, pixels: msg.pixels }, [msg.pixels]);
      } catch (err) {
        post({ kind: 'error', id: msg.id, message: (err as Error).message });
      }
      return;
    }
    case 'reset':
      estimator?.resetStream(msg.streamId);
      return;
    case 'release':
      estimator?.releaseStream(msg.streamId);
      return;
    case 'crash':
      process.exit(70);
      return;
    case 'stall': {
      const until = performance.now() + msg.ms;
      while (performance.now() < until) {
        // Deliberately blocking: the pool's timeout must catch this.
      }
      return;
    }
  }
}

// Serialise: tfjs on one thread gains nothing from interleaving, and in-order answers keep the pool
// simple. With batching, each stream gets its own chain after everything queued before it (init),
// so different streams' frames wait in the batcher together.
let chain: Promise<void> = Promise.resolve();
const streamChains = new Map<string, Promise<void>>();
port.on('message', (msg: PoseWorkerRequest) => {
  const stream = batching && (msg.kind === 'estimate' || msg.kind === 'reset' || msg.kind === 'release') ? msg.streamId : null;
  if (stream === null) {
    chain = chain.then(() => handle(msg));
    return;
  }
  const next = (streamChains.get(stream) ?? chain).then(() => handle(msg));
  streamChains.set(stream, next);
  const forget = (): void => {
    if (streamChains.get(stream) === next) streamChains.delete(stream);
  };
  next.then(forget, forget);
});

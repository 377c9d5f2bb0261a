import type { BackendName, BackendPreference } from './backend.ts';
import type { WarmupReport } from './pose-estimator.ts';
import type { PoseModelType, PoseResult } from './pose-types.ts';
import type { CropSampler } from './roi-crop.ts';

/** Messages to a pose worker. Every request carries an id; the worker answers each exactly once. */
export type PoseWorkerRequest =
  | {
      kind: 'init';
      backend: BackendPreference;
      modelType: PoseModelType;
      smoothing: boolean;
      /** Landmark batch across streams: 0 = auto (8 on tensorflow-gpu, else off), 1 = off. */
      batchMax: number;
      batchWaitMs: number;
      /** Heatmap refinement and world landmarks (pose-detection's own step), or lean outputs. */
      refine: boolean;
      /** pose-detection's own estimatePoses (comparisons only). */
      referencePipeline: boolean;
      /** Longest start-up warm-up of the landmark model, ms (0 = one warm-up call only). */
      warmupMs: number;
      /** How the landmark crop is sampled (the worker falls back to JavaScript without wasm SIMD). */
      cropSampler: CropSampler;
    }
  | {
      kind: 'estimate';
      id: number;
      streamId: string;
      width: number;
      height: number;
      /** Transferred, not copied. */
      pixels: ArrayBuffer;
      timestampMs: number;
    }
  | { kind: 'reset'; streamId: string }
  | { kind: 'release'; streamId: string }
  /** Fault injection (tests): exit abruptly, as a native crash would. */
  | { kind: 'crash' }
  /** Fault injection (tests): block the thread for `ms`, as a hung inference would. */
  | { kind: 'stall'; ms: number };

export type PoseWorkerResponse =
  | { kind: 'ready'; backend: BackendName; batchMax: number; warmup: WarmupReport | null; cropSampler: CropSampler | null }
  /** `pixels`: the request's buffer, transferred back so the sender can reuse it. */
  | { kind: 'result'; id: number; result: PoseResult; inferenceMs: number; pixels: ArrayBuffer }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'fatal'; message: string };

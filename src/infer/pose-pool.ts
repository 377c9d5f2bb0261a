import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import type { BackendName, BackendPreference } from './backend.ts';
import type { WarmupReport } from './pose-estimator.ts';
import type { PoseModelType, PoseResult } from './pose-types.ts';
import type { PoseWorkerRequest, PoseWorkerResponse } from './pose-worker-protocol.ts';
import type { CropSampler } from './roi-crop.ts';

export interface PosePoolOptions {
  size: number;
  backend: BackendPreference;
  modelType: PoseModelType;
  smoothing: boolean;
  /** A request slower than this rejects and the worker is replaced (it is stalled). */
  timeoutMs: number;
  /**
   * Cross-session batching of the landmark model inside each worker (landmark-step.ts):
   * maxBatch 0 = auto (8 on tensorflow-gpu, off elsewhere), 1 = off.
   */
  batch?: { maxBatch: number; maxWaitMs: number };
  /** pose-detection's heatmap refinement (default true) or lean landmark outputs (landmark-step.ts). */
  refine?: boolean;
  /** pose-detection's own estimatePoses instead of our per-frame driver (comparisons only; see PoseEstimator). */
  referencePipeline?: boolean;
  /** Model loading time allowed per worker start. */
  initTimeoutMs?: number;
  /** Longest start-up warm-up of each worker's landmark model, ms (0 or unset = one warm-up call). */
  warmupMs?: number;
  /** How each worker samples the landmark crop (default wasm SIMD where the runtime has it). */
  cropSampler?: CropSampler;
  logger: Logger;
  onRestart?: () => void;
}

export interface PoseEstimate {
  result: PoseResult;
  inferenceMs: number;
  /** The frame's pixel buffer, back from the worker: the sender may reuse it. */
  pixels?: ArrayBuffer;
}

export class PoolClosedError extends Error {
  constructor() {
    super('pose pool is closed');
    this.name = 'PoolClosedError';
  }
}

export class PoseTimeoutError extends Error {
  constructor(ms: number) {
    super(`pose estimation exceeded ${ms} ms`);
    this.name = 'PoseTimeoutError';
  }
}

interface Pending {
  resolve: (value: PoseEstimate) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const BOOT = new URL('./worker-boot.mjs', import.meta.url);
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './pose-worker.ts' : './pose-worker.js', import.meta.url).href;

/** One supervised worker thread: starts, answers requests by id, and reports its death once. */
class PoseWorkerHandle {
  readonly pending = new Map<number, Pending>();
  readonly ready: Promise<BackendName>;
  /** Landmark batch size the worker settled on once ready (1 = no batching). */
  batchMax = 1;
  /** Its start-up warm-up, once ready (null: one warm-up call only). */
  warmup: WarmupReport | null = null;
  /** The crop sampler the worker runs (its choice, or the JavaScript fallback). */
  cropSampler: CropSampler | null = null;
  private readonly worker: Worker;
  private dead = false;

  constructor(
    readonly index: number,
    options: PosePoolOptions,
    private readonly onDeath: (handle: PoseWorkerHandle, reason: string) => void,
  ) {
    this.worker = new Worker(BOOT, { workerData: { entry: ENTRY }, stdout: false, stderr: false });
    this.ready = new Promise<BackendName>((resolve, reject) => {
      const initTimer = setTimeout(() => reject(new Error('pose worker did not load its models in time')), options.initTimeoutMs ?? 120_000);
      this.worker.on('message', (msg: PoseWorkerResponse) => {
        if (msg.kind === 'ready') {
          clearTimeout(initTimer);
          this.batchMax = msg.batchMax;
          this.warmup = msg.warmup;
          this.cropSampler = msg.cropSampler;
          resolve(msg.backend);
        } else if (msg.kind === 'fatal') {
          clearTimeout(initTimer);
          reject(new Error(msg.message));
        } else {
          this.settle(msg);
        }
      });
      this.worker.on('error', (err) => {
        clearTimeout(initTimer);
        reject(err);
        this.die(`error: ${err.message}`);
      });
      this.worker.on('exit', (code) => {
        clearTimeout(initTimer);
        reject(new Error(`pose worker exited with code ${code}`));
        this.die(`exit code ${code}`);
      });
    });
    // A start failure is reported through onDeath/ready awaiters; never an unhandled rejection.
    this.ready.catch(() => undefined);
    this.post({
      kind: 'init',
      backend: options.backend,
      modelType: options.modelType,
      smoothing: options.smoothing,
      batchMax: options.batch?.maxBatch ?? 1,
      batchWaitMs: options.batch?.maxWaitMs ?? 0,
      refine: options.refine ?? true,
      referencePipeline: options.referencePipeline ?? false,
      warmupMs: options.warmupMs ?? 0,
      cropSampler: options.cropSampler ?? 'wasm-simd',
    });
  }

  get load(): number {
    return this.pending.size;
  }

  get alive(): boolean {
    return !this.dead;
  }

  post(msg: PoseWorkerRequest, transfer: ArrayBuffer[] = []): void {
    if (!this.dead) this.worker.postMessage(msg, transfer);
  }

  private settle(msg: Extract<PoseWorkerResponse, { id: number }>): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.kind === 'result') p.resolve({ result: msg.result, inferenceMs: msg.inferenceMs, pixels: msg.pixels });
    else p.reject(new Error(msg.message));
  }

  rejectAll(err: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.rejectAll(new Error(`pose worker died (${reason})`));
    this.onDeath(this, reason);
  }

  /** Ends the thread; a terminate we asked for is not a crash. */
  async terminate(): Promise<void> {
    this.dead = true;
    this.rejectAll(new PoolClosedError());
    await this.worker.terminate();
  }
}

/**
 * A supervised pool of pose workers. A stream's frames go to its home worker, where its tracking
 * state lives; when that worker is busy and another is idle, the frame goes to the idle one (which
 * keeps its own tracking state for the stream), so one stream can use every core. New streams get
 * the least-loaded home. Crashed or stalled workers are replaced and their pending requests rejected.
 */
export class PosePool {
  private readonly workers: PoseWorkerHandle[] = [];
  /** Home worker of each stream. */
  private readonly affinity = new Map<string, PoseWorkerHandle>();
  /** Every worker holding tracking state for a stream (released with it). */
  private readonly holders = new Map<string, Set<PoseWorkerHandle>>();
  private nextId = 1;
  private closed = false;
  private restartDelayMs = 100;
  private backendName: BackendName | null = null;

  constructor(private readonly options: PosePoolOptions) {
    for (let i = 0; i < options.size; i++) this.workers.push(this.spawn(i));
  }

  /** Resolves with the backend once every worker has its models loaded. */
  async ready(): Promise<BackendName> {
    const names = await Promise.all(this.workers.map((w) => w.ready));
    this.backendName = names[0] ?? null;
    return names[0] ?? 'cpu';
  }

  get backend(): BackendName | null {
    return this.backendName;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Landmark batch size per worker once ready (1 = each frame runs alone). */
  get landmarkBatchMax(): number {
    return this.workers[0]?.batchMax ?? 1;
  }

  /** Each worker's start-up warm-up (null where it ran one call only), once ready. */
  get warmups(): (WarmupReport | null)[] {
    return this.workers.map((w) => w.warmup);
  }

  /** The crop sampler the first ready worker runs (null before any is ready, or with the reference pipeline). */
  get cropSampler(): CropSampler | null {
    return this.workers.find((w) => w.cropSampler !== null)?.cropSampler ?? null;
  }

  /** True when some live worker has nothing to do: a stream may then put a second frame in flight. */
  hasIdleWorker(): boolean {
    return this.workers.some((w) => w.alive && w.load === 0);
  }

  private spawn(index: number): PoseWorkerHandle {
    return new PoseWorkerHandle(index, this.options, (handle, reason) => this.onDeath(handle, reason));
  }

  private onDeath(handle: PoseWorkerHandle, reason: string): void {
    for (const [stream, w] of this.affinity) if (w === handle) this.affinity.delete(stream);
    for (const set of this.holders.values()) set.delete(handle);
    if (this.closed) return;
    this.options.logger.error({ worker: handle.index, reason }, 'pose worker died; restarting');
    this.options.onRestart?.();
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, 5_000);
    const timer = setTimeout(() => {
      if (this.closed) return;
      const fresh = this.spawn(handle.index);
      this.workers[handle.index] = fresh;
      fresh.ready.then(
        () => {
          this.restartDelayMs = 100;
        },
        (err: Error) => this.options.logger.error({ worker: handle.index, err: err.message }, 'pose worker restart failed'),
      );
    }, delay);
    timer.unref();
  }

  private homeFor(streamId: string): PoseWorkerHandle {
    const pinned = this.affinity.get(streamId);
    if (pinned?.alive) return pinned;
    let best: PoseWorkerHandle | undefined;
    let bestStreams = Infinity;
    for (const w of this.workers) {
      if (!w.alive) continue;
      let streams = 0;
      for (const s of this.affinity.values()) if (s === w) streams++;
      if (streams < bestStreams || (streams === bestStreams && best && w.load < best.load)) {
        best = w;
        bestStreams = streams;
      }
    }
    if (!best) throw new Error('no pose worker is running');
    this.affinity.set(streamId, best);
    return best;
  }

  /** The home worker when it is free, else an idle one (preferring one that already tracks the stream), else home. */
  private workerFor(streamId: string): PoseWorkerHandle {
    const home = this.homeFor(streamId);
    if (home.load === 0) return home;
    const holders = this.holders.get(streamId);
    const idle = this.workers.filter((w) => w.alive && w.load === 0);
    return idle.find((w) => holders?.has(w)) ?? idle[0] ?? home;
  }

  /** Runs pose estimation for one frame of a stream. The pixel buffer is transferred (detached) when it can be. */
  estimate(streamId: string, pixels: Uint8Array, width: number, height: number, timestampMs: number): Promise<PoseEstimate> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    let worker: PoseWorkerHandle;
    try {
      worker = this.workerFor(streamId);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const own = pixels.buffer instanceof ArrayBuffer && pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength;
    const buffer = own && pixels.buffer instanceof ArrayBuffer ? pixels.buffer : pixels.slice().buffer;
    const id = this.nextId++;
    let holders = this.holders.get(streamId);
    if (!holders) this.holders.set(streamId, (holders = new Set()));
    holders.add(worker);
    return new Promise<PoseEstimate>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.pending.delete(id);
        reject(new PoseTimeoutError(this.options.timeoutMs));
        this.options.logger.error({ worker: worker.index }, 'pose worker stalled; replacing it');
        void worker.terminate().then(() => this.onDeath(worker, 'stalled'));
      }, this.options.timeoutMs);
      worker.pending.set(id, { resolve, reject, timer });
      worker.post({ kind: 'estimate', id, streamId, width, height, pixels: buffer, timestampMs }, [buffer]);
    });
  }

  resetStream(streamId: string): void {
    for (const w of this.holders.get(streamId) ?? []) w.post({ kind: 'reset', streamId });
  }

  releaseStream(streamId: string): void {
    for (const w of this.holders.get(streamId) ?? []) w.post({ kind: 'release', streamId });
    this.holders.delete(streamId);
    this.affinity.delete(streamId);
  }

  /** Fault injection: makes one worker exit abruptly, as a native crash would. */
  crashWorker(index: number): void {
    this.workers[index]?.post({ kind: 'crash' });
  }

  /** Fault injection: blocks one worker for `ms`, as a hung inference would. */
  stallWorker(index: number, ms: number): void {
    this.workers[index]?.post({ kind: 'stall', ms });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.workers.map((w) => w.terminate()));
    this.affinity.clear();
    this.holders.clear();
  }
}

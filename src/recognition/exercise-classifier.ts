/**
 * An exercise-classifier folder (tfjs layers model + metadata.json) loaded from disk — never over
 * the network — and checked against its metadata before first use: every problem is named (missing
 * file, input shape, class count). Runs on the calling thread's tfjs backend (cpu unless one is
 * already initialised): the model is small enough that a decision costs about a millisecond.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { featuresPerFrame, parseModelMetadata, type ModelMetadata } from './model-metadata.ts';

const require = createRequire(import.meta.url);

export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

/** The default model, committed in the repository. */
export const DEFAULT_MODEL_DIR = resolve(import.meta.dirname, '..', '..', 'models', 'workout-pool-v2');

interface LayersModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Where the folder is: a folder, its model.json, or its metadata.json. A Keras file is refused with the way out. */
export function resolveModelDir(path: string): string {
  const p = resolve(path);
  const ext = extname(p).toLowerCase();
  if (ext === '.h5' || ext === '.keras') {
    throw new ModelLoadError(
      `${p}: a Keras file cannot be loaded directly — convert it with \`tensorflowjs_converter --input_format keras ${basename(p)} <folder>\` and add a metadata.json (see models/README.md)`,
    );
  }
  if (ext === '.json') return dirname(p);
  if (!existsSync(p)) throw new ModelLoadError(`model folder ${p} does not exist`);
  if (!statSync(p).isDirectory()) throw new ModelLoadError(`${p} is not a model folder (expected a folder with model.json and metadata.json)`);
  return p;
}

async function readText(path: string, what: string): Promise<string> {
  if (!existsSync(path)) throw new ModelLoadError(`missing file: ${path} (${what})`);
  return readFile(path, 'utf8');
}

async function readArtifacts(modelPath: string): Promise<tf.io.ModelArtifacts> {
  let json: LayersModelJson;
  try {
    json = JSON.parse(await readText(modelPath, 'the tfjs layers model')) as LayersModelJson;
  } catch (err) {
    if (err instanceof ModelLoadError) throw err;
    throw new ModelLoadError(`${modelPath}: not valid JSON (${(err as Error).message})`);
  }
  if (json.modelTopology === undefined || json.modelTopology === null) {
    throw new ModelLoadError(`${modelPath}: no modelTopology — is this a tfjs layers model? (graph models are not supported)`);
  }
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new ModelLoadError(`${modelPath}: format "${json.format}" is not a layers model; convert with --input_format keras`);
  }
  const dir = dirname(modelPath);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const shard = join(dir, p);
      if (!existsSync(shard)) throw new ModelLoadError(`missing file: ${shard} (weights shard named in ${basename(modelPath)})`);
      shards.push(await readFile(shard));
    }
  }
  const all = Buffer.concat(shards);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
  if (json.format !== undefined) artifacts.format = json.format;
  if (json.generatedBy !== undefined) artifacts.generatedBy = json.generatedBy;
  if (json.convertedBy !== undefined) artifacts.convertedBy = json.convertedBy;
  return artifacts;
}

export type ClassifierBackend = 'wasm' | 'cpu';

/**
 * Keeps whatever backend this thread already runs; otherwise wasm (XNNPACK, ~4× faster than the
 * pure-JS cpu backend for this model), falling back to cpu.
 */
async function ensureBackend(preferred?: ClassifierBackend): Promise<void> {
  if (preferred === undefined && tf.engine().backendName) return tf.ready();
  if (preferred !== 'cpu') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (tf.findBackend('wasm') === undefined || tf.engine().backendName !== 'wasm') {
        wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')), '/'));
        wasm.setThreadsCount(1);
      }
      if (await tf.setBackend('wasm')) return tf.ready();
    } catch {
      // wasm binary unavailable: the cpu backend always is.
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
}

const shapeText = (s: readonly (number | null)[]): string => `[${s.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;

/** Predict calls made at load time on the wasm backend, before the first live decision. */
const WASM_WARM_UP_CALLS = 150;

export class ExerciseClassifier {
  private closed = false;

  private constructor(
    readonly metadata: ModelMetadata,
    readonly dir: string,
    private readonly model: tfl.LayersModel,
  ) {}

  /** Loads and validates a model folder (or its model.json / metadata.json path). */
  static async load(path: string = DEFAULT_MODEL_DIR, opts: { backend?: ClassifierBackend } = {}): Promise<ExerciseClassifier> {
    const dir = resolveModelDir(path);
    const metaPath = join(dir, 'metadata.json');
    const metadata = parseModelMetadata(await readText(metaPath, 'class names and input contract'), metaPath);
    const modelPath = join(dir, metadata.modelFile);
    const artifacts = await readArtifacts(modelPath);
    await ensureBackend(opts.backend);
    let model: tfl.LayersModel;
    try {
      model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    } catch (err) {
      throw new ModelLoadError(`${modelPath}: tfjs could not build the model (${(err as Error).message})`);
    }
    try {
      ExerciseClassifier.check(model, metadata, modelPath);
    } catch (err) {
      model.dispose();
      throw err;
    }
    const classifier = new ExerciseClassifier(metadata, dir, model);
    // The first predict call builds the backend's kernels and buffers (several ms), and V8 optimises
    // wasm kernels only once they are hot: pay both here (~0.2 s once per process on wasm), not in
    // the first live decisions (first-pass mean 2.3 → 1.3–1.7 ms, docs/adr-recognition.md).
    const blank = new Float32Array(metadata.input.windowLength * featuresPerFrame(metadata.input));
    const calls = tf.getBackend() === 'wasm' ? WASM_WARM_UP_CALLS : 1;
    for (let i = 0; i < calls; i++) classifier.predict(blank);
    return classifier;
  }

  private static check(model: tfl.LayersModel, meta: ModelMetadata, modelPath: string): void {
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new ModelLoadError(`${modelPath}: expected one input and one output, the model has ${model.inputs.length} and ${model.outputs.length}`);
    }
    const inShape = model.inputs[0]?.shape ?? [];
    const want = [meta.input.windowLength, featuresPerFrame(meta.input)];
    const got = inShape.slice(1);
    if (inShape.length !== 3 || got[0] !== want[0] || got[1] !== want[1]) {
      throw new ModelLoadError(
        `input shape mismatch: ${basename(modelPath)} takes ${shapeText(inShape)}, metadata.json's input contract gives [batch, ${want[0]}, ${want[1]}] ` +
          `(windowLength ${meta.input.windowLength} × ${meta.input.landmarks.length} landmarks × ${meta.input.channels.length} channels)`,
      );
    }
    const outShape = model.outputs[0]?.shape ?? [];
    if (outShape.length !== 2 || outShape[1] !== meta.classes.length) {
      throw new ModelLoadError(
        `class count mismatch: ${basename(modelPath)} outputs ${shapeText(outShape)}, metadata.json names ${meta.classes.length} classes`,
      );
    }
  }

  get classes(): readonly string[] {
    return this.metadata.classes;
  }

  /** Probabilities per class (metadata order) for one window built by buildFeatureWindow. */
  predict(window: Float32Array): Float32Array {
    const out = this.predictBatch([window]);
    return out[0] ?? new Float32Array(this.classes.length);
  }

  /** Probabilities for many windows at once (evaluation). */
  predictBatch(windows: readonly Float32Array[]): Float32Array[] {
    if (this.closed) throw new Error('ExerciseClassifier is closed');
    if (windows.length === 0) return [];
    const n = this.metadata.input.windowLength;
    const f = featuresPerFrame(this.metadata.input);
    const flat = new Float32Array(windows.length * n * f);
    windows.forEach((w, i) => {
      if (w.length !== n * f) throw new Error(`window has ${w.length} values, the model takes ${n} × ${f}`);
      flat.set(w, i * n * f);
    });
    const probs = tf.tidy(() => {
      const y = this.model.predict(tf.tensor3d(flat, [windows.length, n, f])) as tf.Tensor;
      return y.dataSync() as Float32Array;
    });
    const c = this.classes.length;
    return windows.map((_, i) => asProbabilities(probs.slice(i * c, (i + 1) * c)));
  }

  /** Frees the model's tensors; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.model.dispose();
  }
}

/** A converted model may end in logits rather than softmax: normalise so gating thresholds mean the same. */
function asProbabilities(v: Float32Array): Float32Array {
  let sum = 0;
  let neg = false;
  for (const x of v) {
    sum += x;
    if (x < 0) neg = true;
  }
  if (!neg && Math.abs(sum - 1) < 1e-3) return v;
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

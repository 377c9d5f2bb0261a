/**
 * Model folders are checked before use: every failure names the problem (missing file, input
 * shape, class count, bad metadata). The models are tiny layers models built and saved here.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExerciseClassifier } from '../../../src/recognition/exercise-classifier.ts';
import { buildFeatureWindow, type PoseFrame } from '../../../src/recognition/feature-window.ts';
import { parseModelMetadata } from '../../../src/recognition/model-metadata.ts';
import { generateExercise } from '../../helpers/motion-generator.ts';

const SEED_TEMPLATE = resolve(import.meta.dirname, '../../../models/seed-keras-22/metadata.json');
const dirs: string[] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The seed's shape: [30, 36] in, 22 softmax out; saved as tensorflowjs_converter lays a Keras model out. */
async function saveSeedShapedModel(dir: string, frames = 30, features = 36, classes = 22): Promise<tfl.LayersModel> {
  const m = tfl.sequential();
  m.add(tfl.layers.lstm({ inputShape: [frames, features], units: 16, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), recurrentInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  m.add(tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
  await m.save(
    tf.io.withSaveHandler((a) => {
      const w = a.weightData;
      writeFileSync(join(dir, 'group1-shard1of1.bin'), Buffer.from(w instanceof ArrayBuffer ? w : new ArrayBuffer(0)));
      const json = { format: 'layers-model', generatedBy: 'keras v2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  return m;
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wrtc-model-'));
  dirs.push(d);
  return d;
}

function seedMetadata(over: (m: Record<string, unknown>) => void = () => undefined): string {
  const m = JSON.parse(readFileSync(SEED_TEMPLATE, 'utf8')) as Record<string, unknown>;
  over(m);
  return JSON.stringify(m);
}

describe('Keras drop-in (seed contract)', () => {
  it('loads a converted [30, 36] → 22 layers model with the seed metadata template and predicts', async () => {
    const dir = tempDir();
    const reference = await saveSeedShapedModel(dir);
    writeFileSync(join(dir, 'metadata.json'), seedMetadata());
    const classifier = await ExerciseClassifier.load(dir);
    try {
      expect(classifier.classes).toHaveLength(22);
      expect(classifier.classes.slice(-2)).toEqual(['tricep Pushdown', 'tricep dips']);
      const frames: PoseFrame[] = generateExercise('squat', { reps: 2, fps: 30, seed: 4 });
      const window = buildFeatureWindow(classifier.metadata.input, frames);
      expect(window).not.toBeNull();
      if (!window) return;
      expect(window).toHaveLength(30 * 36);
      expect(Math.max(...Array.from(window, Math.abs))).toBeCloseTo(1, 6);
      const probs = classifier.predict(window);
      expect(probs).toHaveLength(22);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      const direct = tf.tidy(() => (reference.predict(tf.tensor3d(window, [1, 30, 36])) as tf.Tensor).dataSync());
      for (let i = 0; i < 22; i++) expect(probs[i]).toBeCloseTo(direct[i] ?? NaN, 5);
    } finally {
      classifier.close();
      reference.dispose();
    }
  });

  it('class order is data: swapping the ambiguous last two in metadata swaps the labels', async () => {
    const dir = tempDir();
    (await saveSeedShapedModel(dir)).dispose();
    writeFileSync(join(dir, 'metadata.json'), seedMetadata((m) => {
      const c = m.classes as string[];
      [c[20], c[21]] = [c[21] ?? '', c[20] ?? ''];
    }));
    const classifier = await ExerciseClassifier.load(join(dir, 'model.json'));
    expect(classifier.classes.slice(-2)).toEqual(['tricep dips', 'tricep Pushdown']);
    classifier.close();
  });
});

describe('model folder validation', () => {
  it('names a missing metadata.json', async () => {
    const dir = tempDir();
    (await saveSeedShapedModel(dir)).dispose();
    await expect(ExerciseClassifier.load(dir)).rejects.toThrow(/missing file: .*metadata\.json/);
  });

  it('names a missing model.json and a missing weights shard', async () => {
    const dir = tempDir();
    (await saveSeedShapedModel(dir)).dispose();
    writeFileSync(join(dir, 'metadata.json'), seedMetadata());
    unlinkSync(join(dir, 'group1-shard1of1.bin'));
    await expect(ExerciseClassifier.load(dir)).rejects.toThrow(/missing file: .*group1-shard1of1\.bin \(weights shard/);
    unlinkSync(join(dir, 'model.json'));
    await expect(ExerciseClassifier.load(dir)).rejects.toThrow(/missing file: .*model\.json/);
  });

  it('reports an input shape mismatch between the model and the contract', async () => {
    const dir = tempDir();
    (await saveSeedShapedModel(dir)).dispose();
    writeFileSync(join(dir, 'metadata.json'), seedMetadata((m) => ((m.input as Record<string, unknown>).channels = ['x', 'y'])));
    await expect(ExerciseClassifier.load(dir)).rejects.toThrow(/input shape mismatch: model\.json takes \[batch, 30, 36\], .*gives \[batch, 30, 24\]/);
  });

  it('reports a class count mismatch', async () => {
    const dir = tempDir();
    (await saveSeedShapedModel(dir)).dispose();
    writeFileSync(join(dir, 'metadata.json'), seedMetadata((m) => (m.classes = (m.classes as string[]).slice(0, 21))));
    await expect(ExerciseClassifier.load(dir)).rejects.toThrow(/class count mismatch: model\.json outputs \[batch, 22\], metadata\.json names 21 classes/);
  });

  it('refuses a Keras file with the conversion command, and a missing folder', async () => {
    await expect(ExerciseClassifier.load('/somewhere/22_class_model_30fps.h5')).rejects.toThrow(/tensorflowjs_converter --input_format keras/);
    await expect(ExerciseClassifier.load('/no/such/model-folder')).rejects.toThrow(/does not exist/);
  });

  it('lists metadata problems by field', () => {
    expect(() => parseModelMetadata('{"format":"workout-rtc/exercise-classifier","name":"x","version":"1","classes":["a"],"input":{}}', 'm.json')).toThrow(
      /m\.json: invalid metadata — classes: .*input\.windowLength/,
    );
    expect(() => parseModelMetadata('not json')).toThrow(/not valid JSON/);
    expect(() => parseModelMetadata(seedMetadata((m) => (m.idleClasses = ['resting'])))).toThrow(/idle class "resting" is not in classes/);
    expect(() => parseModelMetadata(seedMetadata((m) => ((m.input as Record<string, unknown>).hidden = { landmarks: ['left_knee', 'left_heel'], minVisibility: 0.5 })))).toThrow(
      /hidden landmark "left_heel" is not among input\.landmarks/,
    );
  });
});

/**
 * Clip-level exercise recognition under leave-one-source-out cross-validation (`npm run eval`):
 * for each source repository of ../shared/clips, a model is trained exactly as scripts/train.ts
 * trains the shipped one (same recipe: three members; ~42 min for the six folds on one core) on everything but that
 * source — its clips and its landmark datasets — and tested on that source's clips. Prints
 * per-class accuracy, the confusion matrix, which classes rest on synthetic data only, and the
 * committed default model's cost per decision; writes bench-results/recognition.json (or --json
 * FILE; `npm run train` records the LOSO figures of the default path in the model's metadata).
 *
 * Usage: npm run eval, or tsx scripts/eval-recognition.ts [--epochs 24 --per-class 320 --seed 7]
 * [--members 3] [--json FILE] [--cost-only [--model DIR]]
 * (`--epochs 10 --per-class 150`: a five-minute look, which under-states the shipped recipe).
 * On several cores, run the folds in parallel and merge the parts (same report as one run):
 *   tsx scripts/eval-recognition.ts --folds 1-3 --json a.json & tsx scripts/eval-recognition.ts --folds 4-6 --json b.json
 *   tsx scripts/eval-recognition.ts --merge a.json b.json [--json FILE]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_MODEL_DIR, ExerciseClassifier } from '../src/recognition/exercise-classifier.ts';
import { FeatureWindowBuffer } from '../src/recognition/feature-window.ts';
import { REPO_ROOT, SHARED_DIR } from './clips-manifest.ts';
import {
  classifyClip,
  classNames,
  CONTRACT,
  IDLE_CLASS,
  loadClipSequences,
  loadDatasetSequences,
  TRAIN_EPOCHS,
  TRAIN_MEMBERS,
  TRAIN_OPTIMIZER,
  TRAIN_WINDOWS_PER_CLASS,
  trainEnsemble,
  useTrainingBackend,
  type Sequence,
} from './train.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

interface ClipResult {
  clip: string;
  source: string;
  label: string;
  predicted: string | null;
  correct: boolean;
  /** Whether the fold's training data held real (non-synthetic) examples of the clip's class. */
  realInTraining: boolean;
  /** Natural-log class probabilities of each window (stride 0.5 s), for scoring seed ensembles offline. */
  windowLogProbs: number[][];
}

interface Recipe {
  folds: number;
  epochs: number;
  windowsPerClass: number;
  members: number;
  seed: number;
}

/** --folds A-B (1-based, inclusive): the folds this run trains; all by default. */
function foldRange(count: number): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(arg('folds', `1-${count}`));
  const a = Number(m?.[1]);
  const b = Number(m?.[2]);
  if (!m || a < 1 || b > count || a > b) throw new Error(`--folds: expected A-B within 1-${count}, got ${arg('folds', '')}`);
  return [a - 1, b - 1];
}

/** Where the report goes: --json FILE, by default bench-results/recognition.json. */
const reportPath = (): string => resolve(REPO_ROOT, arg('json', 'bench-results/recognition.json'));

const pct = (n: number, d: number): string => (d ? `${((100 * n) / d).toFixed(1)}%` : '—');

interface CostFigures {
  decisions: number;
  mean_ms: number;
  p50_ms: number;
  p95_ms: number;
}

/**
 * The classifier's cost per decision (feature window + predict), deciding 5 times a second along a
 * 20 s clip as the live analyzer does, twice: `cold` is the first pass of a freshly loaded
 * classifier (V8 still tiers the wasm kernels up in the background), `warm` the second pass, the
 * steady state a running server is in.
 */
async function costPerDecision(dir = resolve(arg('model', DEFAULT_MODEL_DIR))): Promise<{ warm: CostFigures; cold: CostFigures } | null> {
  if (!existsSync(join(dir, 'metadata.json'))) return null;
  const classifier = await ExerciseClassifier.load(dir);
  // One clip only: the 88 cached clips would put ~100 MB on the heap whose garbage collection
  // would be timed as the classifier's.
  const [seq] = loadClipSequences(classifier.classes, (s) => s.frames.length > 300);
  if (!seq) return null;
  const pass = (): number[] => {
    const buffer = new FeatureWindowBuffer(classifier.metadata.input);
    const times: number[] = [];
    let lastDecision = -Infinity;
    for (const f of seq.frames) {
      buffer.push(f);
      if (f.t - lastDecision < 0.2) continue;
      lastDecision = f.t;
      const t0 = performance.now();
      const w = buffer.window();
      if (w) classifier.predict(w);
      if (w) times.push(performance.now() - t0);
    }
    return times.slice(5);
  };
  const cold = figures(pass());
  const warm = figures(pass());
  classifier.close();
  return { warm, cold };
}

function figures(times: number[]): CostFigures {
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return {
    decisions: sorted.length,
    mean_ms: Number((sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)).toFixed(3)),
    p50_ms: Number(q(0.5).toFixed(3)),
    p95_ms: Number(q(0.95).toFixed(3)),
  };
}

const costLine = (c: { warm: CostFigures; cold: CostFigures }): string =>
  `cost per decision (feature window + predict), steady state: mean ${c.warm.mean_ms} ms, p50 ${c.warm.p50_ms} ms, p95 ${c.warm.p95_ms} ms over ${c.warm.decisions} decisions; ` +
  `first pass after loading: mean ${c.cold.mean_ms} ms, p50 ${c.cold.p50_ms} ms, p95 ${c.cold.p95_ms} ms`;

async function main(): Promise<void> {
  if (!existsSync(join(SHARED_DIR, 'clips', 'manifest.csv'))) {
    console.log(`[skip] recognition eval: ../shared is absent (${SHARED_DIR})`);
    return;
  }
  if (process.argv.includes('--cost-only')) {
    // The default model's cost per decision alone (after `npm run train`), recorded into the last report.
    const cost = await costPerDecision();
    console.log(cost ? costLine(cost) : 'no model or no long clip');
    const report = reportPath();
    if (cost && existsSync(report)) writeFileSync(report, JSON.stringify({ ...(JSON.parse(readFileSync(report, 'utf8')) as object), costPerDecision: cost }, null, 2));
    return;
  }
  if (process.argv.includes('--merge')) {
    await merge(process.argv.slice(process.argv.indexOf('--merge') + 1).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--json'));
    return;
  }
  const epochs = Number(arg('epochs', String(TRAIN_EPOCHS)));
  const windowsPerClass = Number(arg('per-class', String(TRAIN_WINDOWS_PER_CLASS)));
  const seed = Number(arg('seed', '7'));
  const backend = await useTrainingBackend();
  const classes = classNames();
  const clips = loadClipSequences(classes);
  if (clips.length === 0) {
    console.log('[skip] recognition eval: no cached landmark sequences (run `npm run extract`)');
    return;
  }
  const members = Number(arg('members', String(TRAIN_MEMBERS)));
  const datasets = loadDatasetSequences(classes);
  const sources = [...new Set(clips.map((c) => c.source))].sort();
  const [first, last] = foldRange(sources.length);
  const results: ClipResult[] = [];
  const t0 = Date.now();
  console.log(`recognition LOSO: ${clips.length} clips, ${sources.length} sources, ${datasets.length} dataset sequences, backend ${backend}, ${members} member(s) × ${epochs} epochs × ${windowsPerClass} windows/class`);
  for (const [k, source] of sources.entries()) {
    if (k < first || k > last) continue;
    const train: Sequence[] = [...clips, ...datasets].filter((s) => s.source !== source);
    const test = clips.filter((s) => s.source === source);
    const model = await trainEnsemble(train, classes, { seed, members, epochs, windowsPerClass, offset: k });
    const realLabels = new Set(train.map((s) => s.label));
    let right = 0;
    for (const seq of test) {
      const { index, windows } = classifyClip(model, seq, classes, CONTRACT);
      const predicted = index >= 0 ? (classes[index] ?? null) : null;
      const correct = predicted === seq.label;
      if (correct) right++;
      results.push({ clip: seq.id, source, label: seq.label, predicted, correct, realInTraining: realLabels.has(seq.label), windowLogProbs: windows.map((p) => Array.from(p, (v) => Number(Math.log(Math.max(v, 1e-9)).toFixed(3)))) });
    }
    model.dispose();
    console.log(`  fold ${k + 1}/${sources.length} hold out ${source}: ${right}/${test.length} clips (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }

  const realAll = new Set([...clips, ...datasets].map((s) => s.label));
  const syntheticOnly = classes.filter((c) => c !== IDLE_CLASS && !realAll.has(c));
  const recipe: Recipe = { folds: sources.length, epochs, windowsPerClass, members, seed };
  const partial = first > 0 || last < sources.length - 1;
  await writeReport(results, { backend, recipe, syntheticOnly, foldsRun: [first + 1, last + 1], partial }, t0);
}

interface ReportMeta {
  backend: string;
  recipe: Recipe;
  syntheticOnly: string[];
  /** 1-based first and last fold this report's clips come from. */
  foldsRun: [number, number];
  /** Only some folds: the figures are those of their clips (merge the parts with --merge). */
  partial: boolean;
}

interface Report extends ReportMeta {
  clips: ClipResult[];
}

/** Joins the reports of fold ranges run in parallel into the full report (same recipe, no clip twice). */
async function merge(files: readonly string[]): Promise<void> {
  if (files.length < 2) throw new Error('--merge: give two or more reports of one recipe');
  const parts = files.map((f) => JSON.parse(readFileSync(resolve(f), 'utf8')) as Report);
  const [head] = parts;
  if (!head?.recipe) throw new Error(`--merge: ${files[0]} has no recipe (written before fold ranges existed)`);
  for (const [i, p] of parts.entries()) {
    if (JSON.stringify(p.recipe) !== JSON.stringify(head.recipe)) throw new Error(`--merge: ${files[i]} used another recipe (${JSON.stringify(p.recipe)} against ${JSON.stringify(head.recipe)})`);
  }
  const clips = parts.flatMap((p) => p.clips);
  const ids = new Set(clips.map((c) => c.clip));
  if (ids.size !== clips.length) throw new Error('--merge: a clip appears in more than one report (overlapping --folds)');
  const runs = parts.map((p) => p.foldsRun).sort((a, b) => a[0] - b[0]);
  const covered = runs.every((r, i) => (i === 0 ? r[0] === 1 : r[0] === (runs[i - 1]?.[1] ?? 0) + 1)) && runs[runs.length - 1]?.[1] === head.recipe.folds;
  await writeReport(clips, { backend: head.backend, recipe: head.recipe, syntheticOnly: head.syntheticOnly, foldsRun: [1, head.recipe.folds], partial: !covered }, Date.now());
}

async function writeReport(results: readonly ClipResult[], meta: ReportMeta, t0: number): Promise<void> {
  const { recipe, syntheticOnly } = meta;
  const labels = [...new Set(results.map((r) => r.label))].sort();
  const perClass: Record<string, { clips: number; correct: number; accuracy: number; realInTrainingClips: number; realInTrainingCorrect: number; sources: number }> = {};
  for (const l of labels) {
    const rs = results.filter((r) => r.label === l);
    const real = rs.filter((r) => r.realInTraining);
    perClass[l] = {
      clips: rs.length,
      correct: rs.filter((r) => r.correct).length,
      accuracy: Number((rs.filter((r) => r.correct).length / rs.length).toFixed(3)),
      realInTrainingClips: real.length,
      realInTrainingCorrect: real.filter((r) => r.correct).length,
      sources: new Set(rs.map((r) => r.source)).size,
    };
  }
  const predictedLabels = [...new Set(results.map((r) => r.predicted ?? '(none)'))].sort();
  const confusion: Record<string, Record<string, number>> = {};
  for (const r of results) {
    const row = (confusion[r.label] ??= {});
    const p = r.predicted ?? '(none)';
    row[p] = (row[p] ?? 0) + 1;
  }
  const eligible = results.filter((r) => r.realInTraining);
  const overall = {
    clips: results.length,
    top1: Number((results.filter((r) => r.correct).length / results.length).toFixed(3)),
    clipsWithRealTrainingData: eligible.length,
    top1WithRealTrainingData: Number((eligible.filter((r) => r.correct).length / Math.max(1, eligible.length)).toFixed(3)),
    folds: recipe.folds,
    epochs: recipe.epochs,
    windowsPerClass: recipe.windowsPerClass,
    members: recipe.members,
    seed: recipe.seed,
    optimizer: TRAIN_OPTIMIZER,
    ...(meta.partial ? { partial: `folds ${meta.foldsRun[0]}-${meta.foldsRun[1]} of ${recipe.folds} only` } : {}),
  };
  const cost = meta.partial ? null : await costPerDecision();

  console.log('\nper class (clip-level top-1, leave-one-source-out)');
  console.log(`${'class'.padEnd(28)} ${'clips'.padStart(5)} ${'top-1'.padStart(7)} ${'sources'.padStart(7)}  real-in-training`);
  for (const l of labels) {
    const p = perClass[l];
    if (!p) continue;
    console.log(`${l.padEnd(28)} ${String(p.clips).padStart(5)} ${pct(p.correct, p.clips).padStart(7)} ${String(p.sources).padStart(7)}  ${p.realInTrainingCorrect}/${p.realInTrainingClips}`);
  }
  console.log(`\noverall: ${pct(results.filter((r) => r.correct).length, results.length)} of ${results.length} clips; on clips whose class had real data in the fold's training: ${pct(eligible.filter((r) => r.correct).length, eligible.length)} of ${eligible.length}`);
  console.log('\nconfusion (rows: true, columns: predicted)');
  const short = (s: string) => s.slice(0, 9);
  console.log(`${''.padEnd(22)}${predictedLabels.map((p) => short(p).padStart(10)).join('')}`);
  for (const l of labels) console.log(`${l.slice(0, 21).padEnd(22)}${predictedLabels.map((p) => String(confusion[l]?.[p] ?? '.').padStart(10)).join('')}`);
  console.log(`\nsynthetic-only classes (${syntheticOnly.length}): ${syntheticOnly.join(', ')}`);
  if (cost) console.log(costLine(cost));

  const out = { generated: new Date().toISOString(), ...meta, overall, perClass, confusion, costPerDecision: cost, clips: results };
  const report = reportPath();
  mkdirSync(dirname(report), { recursive: true });
  writeFileSync(report, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${report} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

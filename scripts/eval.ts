/**
 * Rep-count and form-verdict evaluation on the labelled clips of ../shared/clips/manifest.csv,
 * from landmark sequences cached by the pose extractor in .cache/landmarks/. Clips without a
 * cache are listed and skipped. Usage: tsx scripts/eval.ts [--json FILE]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Landmark, PoseObservation } from '../src/analysis/index.ts';
import { analyzeSequence, flagsFault } from './analyze-lib.ts';
import { LANDMARK_CACHE_DIR, landmarkCachePath, readManifest, REPO_ROOT, SHARED_DIR } from './clips-manifest.ts';

const ROOT = REPO_ROOT;
const MANIFEST = join(SHARED_DIR, 'clips/manifest.csv');
const CACHE = LANDMARK_CACHE_DIR;

interface CachedClip {
  clip: string;
  fps: number;
  width: number;
  height: number;
  frames: { t: number; landmarks: Landmark[] | null }[];
}

interface Result {
  file: string;
  label: string;
  true_reps: number | null;
  counted: number;
  form: 'correct' | 'incorrect' | null;
  flagged: boolean;
  faults: string[];
}

function formLabel(form: string): 'correct' | 'incorrect' | null {
  return form === 'correct' || form === 'incorrect' ? form : null;
}

function loadCache(path: string): PoseObservation[] {
  const c = JSON.parse(readFileSync(path, 'utf8')) as CachedClip;
  const aspect = c.width > 0 && c.height > 0 ? c.width / c.height : 16 / 9;
  return c.frames.map((f) => ({ t: f.t, landmarks: f.landmarks, aspect }));
}

function main(): void {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const out = resolve(ROOT, jsonAt >= 0 ? (args[jsonAt + 1] ?? 'bench-results/eval.json') : 'bench-results/eval.json');
  if (!existsSync(MANIFEST)) {
    console.log(`eval skipped: ${MANIFEST} not found (shared clips absent)`);
    return;
  }
  const formLabels = new Set(['push-up', 'squat']);
  const rows = (readManifest() ?? [])
    .map((c) => ({ ...c, form: formLabel(c.form) }))
    .filter((r) => r.reps !== null || (r.form !== null && formLabels.has(r.label)));
  const results: Result[] = [];
  const missing: string[] = [];
  for (const row of rows) {
    const path = landmarkCachePath(row.file);
    if (!existsSync(path)) {
      missing.push(row.file);
      continue;
    }
    const summary = analyzeSequence(loadCache(path), row.label);
    results.push({
      file: row.file,
      label: row.label,
      true_reps: row.reps,
      counted: summary.reps.length,
      form: row.form,
      flagged: flagsFault(summary),
      faults: [...new Set(summary.reps.flatMap((r) => r.faults.map((f) => f.code)))],
    });
  }

  console.log('clip'.padEnd(78), 'label'.padEnd(22), 'true', 'counted', 'form', 'flagged');
  for (const r of results) {
    console.log(
      r.file.padEnd(78),
      r.label.padEnd(22),
      String(r.true_reps ?? '-').padStart(4),
      String(r.counted).padStart(7),
      (r.form ?? '-').padEnd(9),
      r.flagged ? `yes (${r.faults.join(',')})` : 'no',
    );
  }
  const counted = results.filter((r): r is Result & { true_reps: number } => r.true_reps !== null && r.true_reps > 0);
  const obo = counted.length ? counted.filter((r) => Math.abs(r.counted - r.true_reps) <= 1).length / counted.length : null;
  const mae = counted.length ? counted.reduce((a, r) => a + Math.abs(r.counted - r.true_reps) / r.true_reps, 0) / counted.length : null;
  const exact = counted.filter((r) => r.counted === r.true_reps).length;
  const formed = results.filter((r) => r.form !== null && formLabels.has(r.label));
  const rate = (form: string, flagged: boolean) => {
    const g = formed.filter((r) => r.form === form);
    return g.length ? g.filter((r) => r.flagged === flagged).length / g.length : null;
  };
  const tpr = rate('incorrect', true);
  const tnr = rate('correct', false);
  const balanced = tpr !== null && tnr !== null ? (tpr + tnr) / 2 : null;
  const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  console.log();
  console.log(`counted clips: ${counted.length}   OBO: ${fmt(obo)}   MAE: ${fmt(mae)}   exact: ${exact}/${counted.length}`);
  console.log(`form clips: ${formed.length}   balanced accuracy: ${fmt(balanced)} (incorrect flagged ${fmt(tpr)}, correct passed ${fmt(tnr)})`);
  if (missing.length) {
    console.log(`\n${missing.length} clip(s) have no landmark cache in ${CACHE} and were skipped:`);
    for (const m of missing) console.log(`  ${m}  (expected ${landmarkCachePath(m)})`);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ metrics: { clips: counted.length, obo, mae, exact, form_clips: formed.length, form_balanced_accuracy: balanced, form_tpr: tpr, form_tnr: tnr }, results, missing }, null, 2)}\n`,
  );
  console.log(`\nwrote ${out}`);
}

main();

/**
 * Runs the server's pose pipeline over the clips of ../shared/clips and caches each clip's landmark
 * sequence in .cache/landmarks/ (git-ignored: derived from internal material, never committed).
 * Usage: npm run extract -- [--only counted|all] [--force] [--model lite|full|heavy] [--lean] [--reference] [--noise SEED]
 * --lean: landmarks without pose-detection's heatmap refinement (POSE_REFINE_LANDMARKS=false);
 * --reference: pose-detection's own estimatePoses instead of our per-frame driver;
 * --noise SEED: flip the lowest bit of ~1 % of each decoded frame's bytes (seeded), to measure how
 * much the evaluation moves under imperceptible input changes (the tracking loop amplifies them).
 * With LANDMARK_CACHE_DIR=<dir> settings can be cached side by side and compared by eval.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PosePool } from '../src/infer/pose-pool.ts';
import { createLogger } from '../src/log.ts';
import { readVideoFrames } from '../src/media/video-file-source.ts';
import { landmarkCachePath, readManifest, SHARED_DIR } from './clips-manifest.ts';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : 'all';
const force = args.includes('--force');
const model = (args.includes('--model') ? args[args.indexOf('--model') + 1] : 'lite') as 'lite' | 'full' | 'heavy';
const lean = args.includes('--lean');
const reference = args.includes('--reference');
const noiseSeed = args.includes('--noise') ? Number(args[args.indexOf('--noise') + 1]) : null;

/** Flips the lowest bit of about 1 % of the bytes (xorshift, seeded per clip and frame). */
function perturb(data: Uint8Array, seed: number): void {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < data.length; ) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    i += 1 + ((x >>> 0) % 199);
    if (i < data.length) data[i] = data[i]! ^ 1;
  }
}

const manifest = readManifest();
if (!manifest) {
  console.log(`skipped: ${SHARED_DIR} is absent`);
  process.exit(0);
}
const clips = manifest.filter((c) => only === 'all' || (only === 'counted' && (c.reps !== null || c.form !== '')));
const pool = new PosePool({
  size: 2,
  backend: 'auto',
  modelType: model,
  smoothing: true,
  refine: !lean,
  referencePipeline: reference,
  timeoutMs: 30_000,
  logger: createLogger('warn'),
});
const backend = await pool.ready();
console.log(
  `backend ${backend}, model ${model}${lean ? ' (lean: no heatmap refinement)' : ''}${reference ? " (pose-detection's estimatePoses)" : ''}${noiseSeed === null ? '' : ` (noise seed ${noiseSeed})`}, ${clips.length} clips`,
);

let next = 0;
async function worker(): Promise<void> {
  while (next < clips.length) {
    const clip = clips[next++]!;
    const out = landmarkCachePath(clip.file);
    if (!force && existsSync(out)) continue;
    const started = performance.now();
    const frames: { t: number; landmarks: unknown }[] = [];
    let info = { fps: 0, width: 0, height: 0 };
    for await (const f of readVideoFrames(join(SHARED_DIR, clip.file), {
      ffmpegPath: 'ffmpeg',
      maxSide: 640,
      onInfo: (i) => (info = i),
    })) {
      if (noiseSeed !== null) perturb(f.data, noiseSeed * 7919 + frames.length * 104729 + clip.file.length);
      const { result } = await pool.estimate(clip.file, f.data, f.width, f.height, f.t * 1000);
      frames.push({ t: Number(f.t.toFixed(4)), landmarks: result.landmarks?.map((l) => l.map((v) => Number(v.toFixed(5)))) ?? null });
    }
    pool.releaseStream(clip.file);
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, JSON.stringify({ clip: clip.file, fps: info.fps, width: info.width, height: info.height, model, refine: !lean, reference, noiseSeed, frames }));
    const seen = frames.filter((f) => f.landmarks).length;
    console.log(`${clip.file}: ${frames.length} frames, person in ${seen}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
await Promise.all([worker(), worker()]);
await pool.close();

/**
 * `npm run analyze -- <video> --exercise NAME --json` end to end on a short real clip: ffmpeg
 * decode, the server's pose pipeline, the analysis engine. Skipped when ../shared is absent.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../../src/analysis/index.ts';
import { readManifest, REPO_ROOT, SHARED_DIR } from '../../../scripts/clips-manifest.ts';

const run = promisify(execFile);
/** A 2.2 s clip holding one full curl: decodes and runs through pose in a few seconds. */
const CLIP = 'clips/pose-trainer/sample_bicep_curl.mp4';
const entry = readManifest()?.find((c) => c.file === CLIP);
const available = entry !== undefined && existsSync(join(SHARED_DIR, CLIP));
if (!available)
  console.warn(`skipping analyze CLI test: ${join(SHARED_DIR, CLIP)} not found (shared clips absent)`);

describe.skipIf(!available)('npm run analyze', () => {
  it('prints only the summary JSON with --json, reps within one of the manifest', async () => {
    const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const { stdout } = await run(
      tsx,
      ['scripts/analyze.ts', join(SHARED_DIR, CLIP), '--exercise', entry?.label ?? '', '--json'],
      {
        cwd: REPO_ROOT,
        timeout: 60_000,
      },
    );
    const summary = JSON.parse(stdout) as SessionSummary;
    const label = entry?.label ?? '';
    const detail = summary.exercise_details[label];
    expect(detail).toBeDefined();
    expect(Math.abs((detail?.total_reps ?? 0) - (entry?.reps ?? 0))).toBeLessThanOrEqual(1);
    expect(summary.reps.length).toBe(detail?.total_reps);
    expect(summary.total_frames).toBeGreaterThan(50);
    for (const rep of summary.reps) {
      expect(rep.exercise).toBe(label);
      expect(rep.end_time).toBeGreaterThan(rep.start_time);
      expect(Array.isArray(rep.faults)).toBe(true);
    }
  });

  it('without --exercise, recognition picks the exercise and the JSON names the segments', async () => {
    // A 2.9 s jumping-jack clip: the default model's gate settles after about 2 s of it. The clip is
    // in the model's training data, so this checks the wiring, not the model (npm run eval does that).
    const clip = 'clips/computervision-kaiakol/data/jumpingjack/correct/jumpingjack_correct_004.mp4';
    const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const { stdout } = await run(tsx, ['scripts/analyze.ts', join(SHARED_DIR, clip), '--json'], { cwd: REPO_ROOT, timeout: 60_000 });
    const out = JSON.parse(stdout) as SessionSummary & { recognized: { exercise: string; from: number; to: number; confidence: number }[] };
    expect(out.recognized.map((r) => r.exercise)).toEqual(['jumping jack']);
    const seg = out.recognized[0];
    expect(seg?.to).toBeGreaterThanOrEqual(seg?.from ?? Infinity);
    expect(seg?.confidence).toBeGreaterThan(0.5);
    expect(out.total_frames).toBeGreaterThan(50);
  });

  it('rejects an unknown exercise with a usage message', async () => {
    const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    await expect(
      run(tsx, ['scripts/analyze.ts', join(SHARED_DIR, CLIP), '--exercise', 'no such move', '--json'], {
        cwd: REPO_ROOT,
      }),
    ).rejects.toMatchObject({
      code: 2,
      stdout: '',
    });
  });
});

/**
 * A/B in one process, interleaved blocks: the pose pipeline with a fresh int32 copy of every frame
 * (what tf.tensor3d(uint8, 'int32') does) against one reused float32 upload buffer. Reports wall
 * time and whole-process CPU per frame (CPU includes V8's GC threads, which is where the per-frame
 * garbage shows up).
 */
import { selectBackend } from '../src/infer/backend.ts';
import { PoseEstimator } from '../src/infer/pose-estimator.ts';
import { round } from './stats.ts';

export interface UploadAbRow {
  name: string;
  wallMsPerFrame: number;
  cpuMsPerFrame: number;
}

export async function runUploadAb(frames: readonly Uint8Array[], width: number, height: number, rounds = 4): Promise<UploadAbRow[]> {
  await selectBackend('wasm');
  const variants = [
    { name: 'fresh int32 copy per frame', estimator: await PoseEstimator.load({ modelType: 'lite', smoothing: false, reuseInputBuffer: false }) },
    { name: 'reused float32 buffer (default)', estimator: await PoseEstimator.load({ modelType: 'lite', smoothing: false }) },
  ];
  const totals = variants.map(() => ({ wall: 0, cpu: 0, frames: 0 }));
  for (const v of variants) for (const f of frames.slice(0, 5)) await v.estimator.estimate('warm', f, width, height, 0);
  for (let r = 0; r < rounds; r++) {
    for (const [k, v] of variants.entries()) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (const [i, f] of frames.entries()) await v.estimator.estimate('ab', f, width, height, i * 33);
      const cpu = process.cpuUsage(cpu0);
      const total = totals[k]!;
      total.wall += performance.now() - t0;
      total.cpu += (cpu.user + cpu.system) / 1000;
      total.frames += frames.length;
    }
  }
  for (const v of variants) v.estimator.dispose();
  return variants.map((v, k) => ({
    name: v.name,
    wallMsPerFrame: round(totals[k]!.wall / totals[k]!.frames, 2),
    cpuMsPerFrame: round(totals[k]!.cpu / totals[k]!.frames, 2),
  }));
}

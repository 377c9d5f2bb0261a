/**
 * A/B/C in one process, interleaved blocks of the same frames: pose-detection's own estimatePoses
 * (the whole frame uploaded to tfjs, the landmark crop cut by tfjs ops) against our per-frame
 * driver (the crop sampled from the RGB frame, no upload while the person is tracked), with the
 * crop sampled in JavaScript and by the wasm SIMD kernel (the default). Reports wall time and
 * whole-process CPU per frame (CPU includes V8's GC threads).
 */
import { selectBackend } from '../src/infer/backend.ts';
import { PoseEstimator } from '../src/infer/pose-estimator.ts';
import { round } from './stats.ts';

export interface CropAbRow {
  name: string;
  wallMsPerFrame: number;
  cpuMsPerFrame: number;
}

export async function runCropAb(frames: readonly Uint8Array[], width: number, height: number, rounds = 4): Promise<CropAbRow[]> {
  await selectBackend('wasm');
  const variants = [
    { name: "pose-detection's estimatePoses (tfjs crop)", estimator: await PoseEstimator.load({ modelType: 'lite', smoothing: true, referencePipeline: true }) },
    { name: 'crop sampled from the RGB frame in JavaScript', estimator: await PoseEstimator.load({ modelType: 'lite', smoothing: true, cropSampler: 'js' }) },
    { name: '… by the wasm SIMD kernel (default)', estimator: await PoseEstimator.load({ modelType: 'lite', smoothing: true, cropSampler: 'wasm-simd' }) },
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

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_DIR = resolve(import.meta.dirname, '..', '..', 'shared');
export const BENCH_CLIP = 'clips/MrPose/squat2_552dddf.mp4';

/** The benchmark's video source: a real clip when ../shared is there, else ffmpeg's test pattern. */
export function videoInputArgs(seconds: number): { args: string[]; label: string } {
  const clip = join(SHARED_DIR, BENCH_CLIP);
  if (existsSync(clip)) return { args: ['-ss', '6.5', '-t', String(seconds), '-i', clip], label: BENCH_CLIP };
  return { args: ['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=${seconds}`], label: 'testsrc2 pattern' };
}

/** JPEG data URLs at 640×360, as a legacy browser client sends them (canvas.toDataURL('image/jpeg', 0.8)). */
export function jpegDataUrls(seconds: number, fps: number): { frames: string[]; label: string } {
  const input = videoInputArgs(seconds);
  const raw = execFileSync(
    'ffmpeg',
    ['-v', 'error', ...input.args, '-vf', `scale=640:360,fps=${fps}`, '-q:v', '5', '-f', 'image2pipe', '-c:v', 'mjpeg', '-'],
    { maxBuffer: 1 << 30 },
  );
  const frames: string[] = [];
  let start = raw.indexOf(Buffer.from([0xff, 0xd8]));
  while (start >= 0) {
    const next = raw.indexOf(Buffer.from([0xff, 0xd9, 0xff, 0xd8]), start + 2);
    const end = next < 0 ? raw.length : next + 2;
    frames.push(`data:image/jpeg;base64,${raw.subarray(start, end).toString('base64')}`);
    start = next < 0 ? -1 : next + 2;
  }
  return { frames, label: input.label };
}

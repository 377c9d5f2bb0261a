import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

/** ../shared beside the repo: internal clips and landmark data (absent on a fresh clone). */
export const SHARED_DIR = resolve(import.meta.dirname, '..', '..', '..', 'shared');
export const HAS_SHARED = existsSync(join(SHARED_DIR, 'clips', 'manifest.csv'));
export const SKIP_SHARED_REASON = `../shared is absent (${SHARED_DIR}): tests on real clips are skipped`;

if (!HAS_SHARED) console.warn(`[skip] ${SKIP_SHARED_REASON}`);

export function clipPath(rel: string): string {
  return join(SHARED_DIR, rel);
}

/** Decodes `count` frames of a clip from `startS` as raw RGB at width × height (for tests). */
export function rawFrames(file: string, startS: number, count: number, width: number, height: number): Uint8Array[] {
  const raw = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-ss', String(startS), '-i', file, '-frames:v', String(count), '-vf', `scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 1 << 30 },
  );
  const size = width * height * 3;
  const frames: Uint8Array[] = [];
  for (let i = 0; i + size <= raw.length; i += size) frames.push(new Uint8Array(raw.subarray(i, i + size)));
  return frames;
}

/** Encodes `count` frames of a clip from `startS` as JPEG data URLs, as a legacy client sends them. */
export function jpegFrames(file: string, startS: number, count: number, width = 640): string[] {
  const raw = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-ss', String(startS), '-i', file, '-frames:v', String(count), '-vf', `scale=${width}:-2`, '-q:v', '5', '-f', 'image2pipe', '-c:v', 'mjpeg', '-'],
    { maxBuffer: 1 << 30 },
  );
  const out: string[] = [];
  let start = raw.indexOf(Buffer.from([0xff, 0xd8]));
  while (start >= 0) {
    const next = raw.indexOf(Buffer.from([0xff, 0xd9, 0xff, 0xd8]), start + 2);
    const end = next < 0 ? raw.length : next + 2;
    out.push(`data:image/jpeg;base64,${raw.subarray(start, end).toString('base64')}`);
    start = next < 0 ? -1 : next + 2;
  }
  return out;
}

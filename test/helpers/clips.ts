import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The shared clip store sits next to the repository (`../shared`); it is never copied into it.
import { SHARED_DIR } from './shared.ts';

export const DEFAULT_PERSON_CLIP = 'clips/MrPose/squat2_552dddf.mp4';

/** Absolute path of a clip under ../shared, or undefined when the store or the clip is absent. */
export function findClip(relativePath: string = DEFAULT_PERSON_CLIP): string | undefined {
  const path = join(SHARED_DIR, relativePath);
  return existsSync(path) ? path : undefined;
}

export interface VideoSourceOptions {
  width: number;
  height: number;
  fps: number;
}

/**
 * ffmpeg input arguments for a live-paced source: the clip looped, or a generated test pattern when
 * the clip store is absent (so the media tests still run, on synthetic pictures).
 */
export function liveSourceArgs(
  clip: string | undefined,
  { width, height, fps }: VideoSourceOptions,
): string[] {
  if (clip !== undefined) return ['-re', '-stream_loop', '-1', '-i', clip];
  return ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
}

/** Describes the source for test logs. */
export function describeSource(clip: string | undefined): string {
  return clip ?? 'testsrc2 pattern (../shared/clips not found)';
}

export interface EncodedClipOptions extends VideoSourceOptions {
  codec: 'vp8' | 'h264';
  /** Seconds of the source to encode (the sender loops it). */
  seconds: number;
  /** Where in the source to start (skips intros and title cards). */
  startSeconds?: number;
  /** Keyframe interval in frames. */
  gop: number;
  bitrateKbps: number;
  ffmpegPath: string;
}

/** Encoder arguments shared by the live and the pre-encoded sender. */
export function encoderArgs(codec: 'vp8' | 'h264', gop: number, bitrateKbps: number): string[] {
  const rate = ['-b:v', `${bitrateKbps}k`, '-maxrate', `${bitrateKbps}k`, '-bufsize', `${bitrateKbps}k`];
  if (codec === 'vp8') {
    return [
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-lag-in-frames',
      '0',
      '-auto-alt-ref',
      '0',
      '-g',
      String(gop),
      '-keyint_min',
      String(gop),
      ...rate,
    ];
  }
  return [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'baseline',
    '-level',
    '3.1',
    '-bf',
    '0',
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-sc_threshold',
    '0',
    ...rate,
  ];
}

/**
 * The source encoded once to VP8 (Matroska) or H.264 (MPEG-TS) and cached in the OS temp dir. This machine's
 * libvpx manages ~20 fps at 640x360, so a live VP8 encoder cannot feed a 30 fps stream; the sender
 * streams the cached encode in real time instead (ffmpeg -re -c copy -f rtp).
 */
export function encodedClip(clip: string | undefined, options: EncodedClipOptions): string {
  const { codec, seconds, gop, bitrateKbps, width, height, fps, ffmpegPath } = options;
  const startSeconds = options.startSeconds ?? 0;
  const key = createHash('sha1')
    .update(
      JSON.stringify({
        clip: clip ?? 'testsrc2',
        codec,
        seconds,
        startSeconds,
        gop,
        bitrateKbps,
        width,
        height,
        fps,
        v: 1,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), 'workout-rtc-media-cache');
  // MPEG-TS for H.264 because it keeps SPS/PPS in band (Matroska moves them to extradata, which RTP
  // would carry only in the SDP, and the receiver ignores sprop-parameter-sets).
  const file = join(dir, `${key}-${codec}.${codec === 'h264' ? 'ts' : 'mkv'}`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const input =
    clip !== undefined ? ['-ss', String(startSeconds), '-i', clip] : ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  const partial = `${file}.${process.pid}.partial.${codec === 'h264' ? 'ts' : 'mkv'}`;
  execFileSync(ffmpegPath, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    ...input,
    '-t',
    String(seconds),
    '-an',
    '-vf',
    `scale=${width}:${height},fps=${fps}`,
    '-pix_fmt',
    'yuv420p',
    '-threads',
    '2',
    ...encoderArgs(codec, gop, bitrateKbps),
    partial,
  ]);
  // Rename last so a concurrent test file never streams a half-written encode.
  renameSync(partial, file);
  return file;
}

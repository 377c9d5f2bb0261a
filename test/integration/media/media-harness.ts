import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createLogger } from '../../../src/log.ts';
import type { DecodedFrame } from '../../../src/media/ffmpeg/ffmpeg-decoder.ts';
import { resolveFfmpegPath, type FfmpegBinary } from '../../../src/media/ffmpeg/ffmpeg-path.ts';
import {
  WebRtcPeer,
  type WebRtcPeerOptions,
  type WebRtcPeerHandlers,
} from '../../../src/media/webrtc/webrtc-peer.ts';
import type { MediaErrorCode } from '../../../src/media/webrtc/media-error.ts';
import { RtpSender, type RtpSenderOptions } from '../../helpers/rtp-sender.ts';

export const WIDTH = 640;
export const HEIGHT = 360;
export const FPS = 30;

export const ffmpegBinary: FfmpegBinary = resolveFfmpegPath({
  configured: process.env.FFMPEG_PATH,
  pathEnv: process.env.PATH,
});
export const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');

export interface Call {
  sender: RtpSender;
  peer: WebRtcPeer;
  frames: DecodedFrame[];
  failures: { code: MediaErrorCode; message: string }[];
  serverMessages: string[];
  channelOpen: Promise<void>;
  close: () => Promise<void>;
}

/** A werift client and a WebRtcPeer negotiated over loopback, video running. */
export async function startCall(
  senderOptions: RtpSenderOptions,
  peerOptions: Partial<WebRtcPeerOptions> = {},
  extraHandlers: WebRtcPeerHandlers = {},
): Promise<Call> {
  const sender = new RtpSender({
    ffmpegPath: ffmpegBinary.path,
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    ...senderOptions,
  });
  const frames: DecodedFrame[] = [];
  const failures: Call['failures'] = [];
  const serverMessages: string[] = [];
  let markOpen: () => void = () => undefined;
  const channelOpen = new Promise<void>((resolve) => {
    markOpen = resolve;
  });
  const peer = await WebRtcPeer.create(
    await sender.createOffer(),
    {
      logger,
      ffmpeg: ffmpegBinary,
      frameWidth: WIDTH,
      frameHeight: HEIGHT,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      ...peerOptions,
    },
    {
      onFrame: (frame) => frames.push(frame),
      onFailure: (code, message) => failures.push({ code, message }),
      onDataChannelOpen: () => markOpen(),
      onDataChannelMessage: (text) => serverMessages.push(text),
      ...extraHandlers,
    },
  );
  await sender.acceptAnswer(peer.answer);
  await sender.connected();
  await sender.startVideo();
  return {
    sender,
    peer,
    frames,
    failures,
    serverMessages,
    channelOpen,
    close: async () => {
      await Promise.allSettled([sender.close(), peer.close()]);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** ffmpeg children of this process (the decoders, plus any sender still alive). */
export function ffmpegChildren(): number[] {
  const result = spawnSync('pgrep', ['-P', String(process.pid), 'ffmpeg'], { encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

/** utime + stime of a process in clock ticks, from /proc/<pid>/stat. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export const CLOCK_TICKS_PER_SECOND =
  Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Mean and standard deviation of all bytes (all channels) of an rgb24 picture, subsampled. */
export function pixelStats(data: Buffer): { mean: number; std: number } {
  let sum = 0;
  let sumSquares = 0;
  let n = 0;
  for (let i = 0; i < data.length; i += 7) {
    const v = data[i]!;
    sum += v;
    sumSquares += v * v;
    n++;
  }
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sumSquares / n - mean * mean)) };
}

/** PSNR (dB) between two rgb24 pictures of equal size, subsampled. */
export function psnr(a: Buffer, b: Buffer): number {
  let squared = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 5) {
    const d = a[i]! - b[i]!;
    squared += d * d;
    n++;
  }
  const mse = squared / n;
  return mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse);
}

/** The source decoded straight by ffmpeg (same scale and fps filters as the sender): the ground truth. */
export function referenceFrames(clip: string | undefined, seconds: number): Buffer[] {
  const input = clip ? ['-i', clip] : ['-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}`];
  const raw = execFileSync(
    ffmpegBinary.path,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      ...input,
      '-t',
      String(seconds),
      '-an',
      '-vf',
      `scale=${WIDTH}:${HEIGHT},fps=${FPS}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { maxBuffer: 1024 * 1024 * 1024 },
  );
  const size = WIDTH * HEIGHT * 3;
  const frames: Buffer[] = [];
  for (let offset = 0; offset + size <= raw.length; offset += size)
    frames.push(raw.subarray(offset, offset + size));
  return frames;
}

/** Best PSNR of a decoded picture against any reference frame (the stream's start time is not known exactly). */
export function bestPsnr(frame: Buffer, references: Buffer[]): number {
  let best = 0;
  for (const reference of references) best = Math.max(best, psnr(frame, reference));
  return best;
}

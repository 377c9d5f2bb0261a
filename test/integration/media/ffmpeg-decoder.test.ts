import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  FfmpegDecoder,
  type DecodedFrame,
  type EncodedFrame,
} from '../../../src/media/ffmpeg/ffmpeg-decoder.ts';
import { isH264Keyframe, isVp8Keyframe } from '../../../src/media/webrtc/codec-bitstream.ts';
import { ffmpegBinary, logger, pixelStats, sleep, waitFor } from './media-harness.ts';

const W = 160;
const H = 90;
let dir: string;
const streams: Record<'vp8' | 'h264', Buffer[]> = { vp8: [], h264: [] };

function ivfFrames(file: string): Buffer[] {
  const data = readFileSync(file);
  const frames: Buffer[] = [];
  for (let offset = 32; offset + 12 <= data.length;) {
    const size = data.readUInt32LE(offset);
    frames.push(data.subarray(offset + 12, offset + 12 + size));
    offset += 12 + size;
  }
  return frames;
}

function annexBFrames(file: string): Buffer[] {
  // Encoded with an AUD before every access unit; split on it and drop it (the decoder adds its own).
  const data = readFileSync(file);
  const aud = Buffer.from([0, 0, 0, 1, 0x09]);
  const starts: number[] = [];
  for (let at = data.indexOf(aud); at >= 0; at = data.indexOf(aud, at + 5)) starts.push(at);
  return starts.map((start, i) => data.subarray(start + 6, starts[i + 1] ?? data.length));
}

function encoded(codec: 'vp8' | 'h264', index: number): EncodedFrame {
  const data = streams[codec][index]!;
  return { data, isKeyframe: codec === 'vp8' ? isVp8Keyframe(data) : isH264Keyframe(data), arrivalMs: index };
}

const open: FfmpegDecoder[] = [];
function decoder(
  codec: 'vp8' | 'h264',
  extra: Partial<ConstructorParameters<typeof FfmpegDecoder>[0]> = {},
): FfmpegDecoder {
  const created = new FfmpegDecoder({
    ffmpegPath: ffmpegBinary.path,
    legacyFfmpeg: ffmpegBinary.legacy,
    codec,
    width: W,
    height: H,
    logger,
    ...extra,
  });
  open.push(created);
  return created;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'decoder-test-'));
  const source = ['-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=30`, '-t', '2'];
  const common = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    ...source,
    '-g',
    '10',
    '-pix_fmt',
    'yuv420p',
  ];
  execFileSync(ffmpegBinary.path, [
    ...common,
    '-c:v',
    'libvpx',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-b:v',
    '300k',
    join(dir, 'a.ivf'),
  ]);
  execFileSync(ffmpegBinary.path, [
    ...common,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-bf',
    '0',
    '-bsf:v',
    'h264_metadata=aud=insert',
    '-f',
    'h264',
    join(dir, 'a.h264'),
  ]);
  streams.vp8 = ivfFrames(join(dir, 'a.ivf'));
  streams.h264 = annexBFrames(join(dir, 'a.h264'));
  await FfmpegDecoder.warmUp(ffmpegBinary.path);
}, 60_000);

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((d) => d.close()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('FfmpegDecoder', () => {
  it.each(['vp8', 'h264'] as const)(
    '%s: one rgb24 picture per frame, each carrying its own arrival time',
    async (codec) => {
      const d = decoder(codec);
      const frames: DecodedFrame[] = [];
      d.on('frame', (frame) => frames.push(frame));
      // While ffmpeg starts, only frames from the newest keyframe on are kept; start first so none are.
      await waitFor(() => d.pid !== undefined, 5_000, 'ffmpeg start');
      for (let i = 0; i < 30; i++) {
        d.push(encoded(codec, i));
        await sleep(5);
      }
      await waitFor(() => frames.length === 30, 5_000, 'all pictures');
      expect(frames.map((frame) => frame.arrivalMs)).toEqual([...Array(30).keys()]);
      for (const frame of frames) {
        expect(frame.data.length).toBe(W * H * 3);
        expect(pixelStats(frame.data).std).toBeGreaterThan(20);
      }
    },
  );

  it.each(['vp8', 'h264'] as const)('%s: pictures read in place from a Unix socket equal those read from stdout, byte for byte', async (codec) => {
    const decodeAll = async (pictureTransport: 'socket' | 'stdout'): Promise<Buffer[]> => {
      const d = decoder(codec, { pictureTransport });
      expect(d.pictureTransport).toBe(pictureTransport);
      const pictures: Buffer[] = [];
      d.on('frame', (frame) => pictures.push(Buffer.from(frame.data)));
      await waitFor(() => d.pid !== undefined, 5_000, 'ffmpeg start');
      for (let i = 0; i < 30; i++) {
        d.push(encoded(codec, i));
        await sleep(2);
      }
      await waitFor(() => pictures.length === 30, 5_000, 'all pictures');
      await d.close();
      return pictures;
    };
    const viaSocket = await decodeAll('socket');
    const viaStdout = await decodeAll('stdout');
    expect(viaSocket.map((p) => p.length)).toEqual(viaStdout.map(() => W * H * 3));
    expect(pixelStats(viaSocket[29]!).mean).toBeGreaterThan(10);
    for (const [i, picture] of viaSocket.entries()) expect(picture.equals(viaStdout[i]!), `picture ${i}`).toBe(true);
  });

  it('reads pictures through a Unix socket by default here, removes it on close, and gives a restarted ffmpeg a fresh one', async () => {
    const d = decoder('vp8');
    expect(d.pictureTransport).toBe('socket');
    const pictures: DecodedFrame[] = [];
    d.on('frame', (frame) => pictures.push(frame));
    await waitFor(() => d.pid !== undefined, 5_000, 'ffmpeg start');
    // ffmpeg listens once it has input to probe.
    for (let i = 0; i < 5; i++) d.push(encoded('vp8', i));
    await waitFor(() => pictures.length === 5, 5_000, 'pictures');
    const first = d.pictureSocketPath!;
    expect(existsSync(first)).toBe(true);
    const restarted = new Promise((resolve) => d.once('restart', resolve));
    process.kill(d.pid!, 'SIGKILL');
    await restarted;
    expect(existsSync(first)).toBe(false);
    await waitFor(() => d.pid !== undefined && d.stats.restarts === 1, 5_000, 'ffmpeg restarted');
    for (let i = 0; i < 10; i++) d.push(encoded('vp8', i));
    await waitFor(() => pictures.length === 15, 5_000, 'pictures after the restart');
    const second = d.pictureSocketPath!;
    expect(second).not.toBe(first);
    expect(existsSync(second)).toBe(true);
    await d.close();
    expect(existsSync(second)).toBe(false);
  });

  it('reuses picture memory handed back, and only whole pictures of its own size', async () => {
    const d = decoder('vp8');
    const frames: DecodedFrame[] = [];
    d.on('frame', (frame) => frames.push(frame));
    await waitFor(() => d.pid !== undefined, 5_000, 'ffmpeg start');
    d.push(encoded('vp8', 0));
    await waitFor(() => frames.length === 1, 5_000, 'first picture');
    const returned = frames[0]!.data.buffer as ArrayBuffer;
    frames[0]!.recycle(returned);
    frames[0]!.recycle(new ArrayBuffer(17)); // wrong size: ignored
    for (let i = 1; i < 6; i++) {
      d.push(encoded('vp8', i));
      await sleep(5);
    }
    await waitFor(() => frames.length === 6, 5_000, 'pictures');
    // The picture after the hand-back (the one being filled was allocated already) lands in it.
    const reused = frames.slice(1).filter((f) => f.data.buffer === returned);
    expect(reused).toHaveLength(1);
    expect(reused[0]!.data.length).toBe(W * H * 3);
    expect(pixelStats(reused[0]!.data).std).toBeGreaterThan(20);
    for (const f of frames.slice(1)) if (f.data.buffer !== returned) expect(f.data.buffer.byteLength).toBe(W * H * 3);
  });

  it('counts a frame the decoder swallowed instead of shifting later timestamps', async () => {
    const d = decoder('vp8');
    const frames: DecodedFrame[] = [];
    d.on('frame', (frame) => frames.push(frame));
    await waitFor(() => d.pid !== undefined, 5_000, 'ffmpeg start');
    for (let i = 0; i < 12; i++) {
      const frame = encoded('vp8', i);
      // Frame 5 is replaced by bytes libvpx rejects: no picture comes out for it.
      d.push(i === 5 ? { ...frame, data: Buffer.from([0x01, 0x02, 0x03]) } : frame);
      await sleep(5);
    }
    await waitFor(() => frames.length >= 11, 5_000, 'pictures');
    await sleep(100);
    expect(frames.map((frame) => frame.arrivalMs)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
    expect(d.stats.framesDroppedByDecoder).toBe(1);
  });

  it('restarts a killed ffmpeg, asks for a keyframe, and keeps its counters', async () => {
    const d = decoder('h264');
    const frames: DecodedFrame[] = [];
    const reasons: string[] = [];
    d.on('frame', (frame) => frames.push(frame));
    d.on('keyframeNeeded', (reason) => reasons.push(reason));
    const restarted = new Promise((resolve) => d.once('restart', resolve));
    await waitFor(() => d.pid !== undefined, 5_000, 'ffmpeg start');
    for (let i = 0; i < 10; i++) {
      d.push(encoded('h264', i));
      await sleep(5);
    }
    await waitFor(() => frames.length === 10, 5_000, 'first pictures');
    const firstPid = d.pid!;
    process.kill(firstPid, 'SIGKILL');
    await restarted;
    expect(reasons).toEqual(['restart']);
    expect(d.awaitingKeyframe).toBe(true);
    // Frames 10..19 start with the keyframe at 10 (GOP 10): nothing is lost but the wait for it.
    d.push(encoded('h264', 15)); // not a keyframe: dropped
    for (let i = 20; i < 30; i++) {
      d.push(encoded('h264', i));
      await sleep(5);
    }
    await waitFor(() => frames.length === 20, 5_000, 'pictures after restart');
    expect(d.pid).not.toBe(firstPid);
    expect(d.stats).toMatchObject({ restarts: 1, framesDecoded: 20, framesDroppedAwaitingKeyframe: 1 });
    expect(frames.slice(10).map((frame) => frame.arrivalMs)).toEqual(
      [...Array(10).keys()].map((i) => i + 20),
    );
  });

  it('drops until the next keyframe when ffmpeg falls behind', async () => {
    const d = decoder('vp8', { maxInFlightFrames: 3 });
    const reasons: string[] = [];
    d.on('keyframeNeeded', (reason) => reasons.push(reason));
    await waitFor(() => d.pid !== undefined, 5_000, 'ffmpeg start');
    for (let i = 0; i < 30; i++) d.push(encoded('vp8', i)); // a burst ffmpeg cannot have taken yet
    expect(reasons).toContain('backlog');
    expect(d.stats.framesDroppedBacklog).toBeGreaterThan(0);
  });

  it('close() is idempotent, kills ffmpeg and waits for its exit', async () => {
    const d = decoder('vp8');
    await waitFor(() => d.pid !== undefined, 5_000, 'ffmpeg start');
    const pid = d.pid!;
    const first = d.close();
    expect(d.close()).toBe(first);
    await first;
    expect(alive(pid)).toBe(false);
    d.push(encoded('vp8', 0)); // ignored after close
    expect(d.stats.framesPushed).toBe(0);
  });

  it('closing before ffmpeg has started leaves no process behind', async () => {
    const d = decoder('h264');
    await d.close();
    await sleep(200);
    expect(d.pid === undefined || !alive(d.pid)).toBe(true);
  });
});

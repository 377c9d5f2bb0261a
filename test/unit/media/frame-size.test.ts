import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { h264AccessUnitSize, vp8KeyframeSize } from '../../../src/media/webrtc/codec-bitstream.ts';

function encode(args: string[]): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-frames:v', '1', ...args, '-'], { maxBuffer: 1 << 24 });
}

describe('frame sizes declared by keyframes', () => {
  it('reads an H.264 SPS written by x264 (high profile) and by the baseline profile', () => {
    expect(h264AccessUnitSize(encode(['-c:v', 'libx264', '-f', 'h264']))).toEqual({ width: 320, height: 240 });
    expect(h264AccessUnitSize(encode(['-c:v', 'libx264', '-profile:v', 'baseline', '-f', 'h264']))).toEqual({ width: 320, height: 240 });
  });

  it('rounds up to whole macroblocks (cropping is ignored: an upper bound)', () => {
    const au = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-frames:v', '1', '-c:v', 'libx264', '-f', 'h264', '-'], { maxBuffer: 1 << 24 });
    expect(h264AccessUnitSize(au)).toEqual({ width: 640, height: 368 });
  });

  it('reads a VP8 keyframe header', () => {
    const ivf = encode(['-c:v', 'libvpx', '-f', 'ivf']);
    // IVF: 32-byte file header, 12-byte frame header, then the frame.
    expect(vp8KeyframeSize(ivf.subarray(44))).toEqual({ width: 320, height: 240 });
  });

  it('returns null for what it cannot read', () => {
    expect(h264AccessUnitSize(Buffer.from([0, 0, 1, 0x67, 0x42]))).toBeNull();
    expect(h264AccessUnitSize(Buffer.from([0, 0, 1, 0x65, 1, 2, 3]))).toBeNull();
    expect(vp8KeyframeSize(Buffer.alloc(20))).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import {
  H264_ACCESS_UNIT_DELIMITER,
  annexBAccessUnit,
  ivfFileHeader,
  ivfFrame,
  vp8KeyframeSize,
} from '../../../src/media/ffmpeg/stream-framing.ts';
import { buildDecoderArgs, parseShowinfoLine } from '../../../src/media/ffmpeg/decoder-args.ts';
import { vp8InterFrame, vp8Keyframe } from './rtp-fixtures.ts';

describe('IVF writer', () => {
  it('writes the 32-byte DKIF header with codec, size and time base', () => {
    const header = ivfFileHeader(640, 360);
    expect(header.length).toBe(32);
    expect(header.subarray(0, 4).toString('ascii')).toBe('DKIF');
    expect(header.readUInt16LE(6)).toBe(32);
    expect(header.subarray(8, 12).toString('ascii')).toBe('VP80');
    expect([header.readUInt16LE(12), header.readUInt16LE(14)]).toEqual([640, 360]);
    expect([header.readUInt32LE(16), header.readUInt32LE(20)]).toEqual([1000, 1]);
  });

  it('prefixes each frame with its size and a 64-bit pts', () => {
    const frame = vp8InterFrame(20);
    const record = ivfFrame(frame, 7);
    expect(record.length).toBe(12 + 20);
    expect(record.readUInt32LE(0)).toBe(20);
    expect(record.readBigUInt64LE(4)).toBe(7n);
    expect(record.subarray(12).equals(frame)).toBe(true);
  });

  it('reads the picture size from a VP8 keyframe only', () => {
    expect(vp8KeyframeSize(vp8Keyframe())).toEqual({ width: 640, height: 360 });
    expect(vp8KeyframeSize(vp8InterFrame())).toBeUndefined();
  });
});

describe('Annex-B writer', () => {
  it('appends the access-unit delimiter 00 00 00 01 09 F0 after every frame', () => {
    const accessUnit = Buffer.from([0, 0, 0, 1, 0x65, 1, 2, 3]);
    const written = annexBAccessUnit(accessUnit);
    expect([...H264_ACCESS_UNIT_DELIMITER]).toEqual([0, 0, 0, 1, 0x09, 0xf0]);
    expect(written.subarray(0, accessUnit.length).equals(accessUnit)).toBe(true);
    expect(written.subarray(accessUnit.length).equals(H264_ACCESS_UNIT_DELIMITER)).toBe(true);
  });
});

describe('decoder arguments', () => {
  it('carries the low-latency flags on input and output and no -fflags nobuffer', () => {
    const { input, output } = buildDecoderArgs({ codec: 'h264', width: 640, height: 360, legacy: false });
    const joinedIn = input.join(' ');
    const joinedOut = output.join(' ');
    expect(joinedIn).toContain('-flags low_delay -probesize 32 -analyzeduration 0 -threads 1');
    expect(joinedIn).toContain('-f h264');
    expect(joinedOut).toContain('-threads 1');
    expect(joinedOut).toContain('-fps_mode passthrough -f rawvideo -pix_fmt rgb24 -flush_packets 1');
    expect(joinedOut).toContain('scale=640:360');
    expect([...input, ...output]).not.toContain('nobuffer');
    expect(buildDecoderArgs({ codec: 'vp8', width: 2, height: 2, legacy: true }).output).toContain('-vsync');
  });

  it('parses the input position out of a showinfo line', () => {
    const line =
      '[Parsed_showinfo_0 @ 0x55d771fdc540] n:   3 pts:      3 pts_time:0.1     pos:    11132 fmt:yuv420p sar:0/1 s:640x360 i:P iskey:0 type:P ';
    expect(parseShowinfoLine(line)).toEqual({ n: 3, pos: 11132 });
    expect(parseShowinfoLine('[Parsed_showinfo_0 @ 0x1] n: 0 pts: 0 pts_time:0 pos: -1 fmt:yuv420p')).toEqual(
      { n: 0, pos: -1 },
    );
    expect(parseShowinfoLine('Stream #0:0: Video: vp8, yuv420p')).toBeUndefined();
  });
});

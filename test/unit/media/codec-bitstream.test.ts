import { DepacketizeCallback, type DepacketizerOutput } from 'werift/nonstandard';
import { describe, expect, it } from 'vitest';
import {
  H264ParameterSets,
  h264NalTypes,
  h264PayloadNalTypes,
  isH264Keyframe,
  isVp8Keyframe,
} from '../../../src/media/webrtc/codec-bitstream.ts';
import { IDR, NON_IDR, PPS, SPS, rtp, stapA, vp8InterFrame, vp8Keyframe } from './rtp-fixtures.ts';

const annexB = (...nalUnits: Buffer[]): Buffer =>
  Buffer.concat(nalUnits.flatMap((nal) => [Buffer.from([0, 0, 0, 1]), nal]));

describe('VP8 keyframe detection', () => {
  it('needs the keyframe bit and the start code at a partition head', () => {
    expect(isVp8Keyframe(vp8Keyframe())).toBe(true);
    expect(isVp8Keyframe(vp8InterFrame())).toBe(false);
    // A frame that starts mid-partition (first packet lost) has no start code where it should be.
    expect(isVp8Keyframe(vp8Keyframe().subarray(4))).toBe(false);
  });
});

describe('H.264 keyframe detection', () => {
  it('lists NAL unit types of an Annex-B access unit with 3- and 4-byte start codes', () => {
    const au = Buffer.concat([annexB(SPS, PPS), Buffer.from([0, 0, 1]), IDR]);
    expect(h264NalTypes(au)).toEqual([7, 8, 5]);
    expect(isH264Keyframe(au)).toBe(true);
    expect(isH264Keyframe(annexB(NON_IDR))).toBe(false);
  });

  it('finds an IDR inside a STAP-A, which werift 0.24.4 misses', () => {
    const payload = stapA(SPS, PPS, IDR);
    expect(h264PayloadNalTypes(payload)).toEqual([7, 8, 5]);
    const frames: DepacketizerOutput[] = [];
    const depacketizer = new DepacketizeCallback('MPEG4/ISO/AVC', {
      isFinalPacketInSequence: (h) => h.marker,
    });
    depacketizer.pipe((output) => frames.push(output));
    depacketizer.input({ rtp: rtp(100, 9000, payload, true), time: 1 });
    const frame = frames[0]?.frame;
    expect(frame).toBeDefined();
    expect(frame?.isKeyframe).toBe(false); // the pitfall this module exists for
    expect(isH264Keyframe(frame!.data)).toBe(true);
  });

  it('reports the fragmented unit type of FU-A packets', () => {
    expect(h264PayloadNalTypes(Buffer.from([0x7c, 0x85, 0xaa]))).toEqual([5]);
    expect(h264PayloadNalTypes(NON_IDR)).toEqual([1]);
  });

  it('prepends remembered SPS/PPS to a keyframe that lacks them', () => {
    const sets = new H264ParameterSets();
    const first = annexB(SPS, PPS, IDR);
    expect(sets.complete(first)).toBe(first);
    const bare = annexB(IDR);
    expect(h264NalTypes(sets.complete(bare))).toEqual([7, 8, 5]);
    const inter = annexB(NON_IDR);
    expect(sets.complete(inter)).toBe(inter);
  });
});

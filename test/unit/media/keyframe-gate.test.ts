import { describe, expect, it } from 'vitest';
import { KeyframeGate } from '../../../src/media/webrtc/keyframe-gate.ts';
import { PliThrottle } from '../../../src/media/webrtc/pli-throttle.ts';
import { RtpToFrames, type RtpKeyframeReason } from '../../../src/media/webrtc/rtp-to-frames.ts';
import type { EncodedFrame } from '../../../src/media/ffmpeg/ffmpeg-decoder.ts';
import { vp8InterFrame, vp8Keyframe, vp8Packets } from './rtp-fixtures.ts';

describe('KeyframeGate', () => {
  it('holds everything until the first keyframe', () => {
    const gate = new KeyframeGate();
    expect(gate.onFrame(false)).toBe('drop');
    expect(gate.onFrame(true)).toBe('pass');
    expect(gate.onFrame(false)).toBe('pass');
  });

  it('closes on a sequence gap (also across the 16-bit wrap) until the next keyframe', () => {
    const gate = new KeyframeGate();
    gate.onFrame(true);
    expect(gate.onPacket(65534)).toBe(false);
    expect(gate.onPacket(65535)).toBe(false);
    expect(gate.onPacket(0)).toBe(false);
    expect(gate.onPacket(2)).toBe(true);
    expect(gate.awaitingKeyframe).toBe(true);
    expect(gate.onFrame(false)).toBe('drop');
    expect(gate.onFrame(true)).toBe('pass');
    expect(gate.stats).toEqual({ gaps: 1, framesPassed: 2, framesDropped: 1 });
  });
});

describe('PliThrottle', () => {
  it('allows one request per interval', () => {
    let now = 0;
    const throttle = new PliThrottle(300, () => now);
    expect(throttle.take()).toBe(true);
    now = 299;
    expect(throttle.take()).toBe(false);
    now = 300;
    expect(throttle.take()).toBe(true);
  });
});

describe('RtpToFrames gap gate', () => {
  function pipeline(): { frames: EncodedFrame[]; reasons: RtpKeyframeReason[]; rtpToFrames: RtpToFrames } {
    const frames: EncodedFrame[] = [];
    const reasons: RtpKeyframeReason[] = [];
    const rtpToFrames = new RtpToFrames({
      codec: 'vp8',
      jitterBufferLatencyMs: 50,
      onFrame: (frame) => frames.push(frame),
      onKeyframeNeeded: (reason) => reasons.push(reason),
    });
    return { frames, reasons, rtpToFrames };
  }

  it('emits whole frames with the arrival time of their last packet', () => {
    const { frames, rtpToFrames } = pipeline();
    const packets = vp8Packets(vp8Keyframe(40), 10, 3000);
    packets.forEach((packet, i) => rtpToFrames.input(packet, 100 + i));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.isKeyframe).toBe(true);
    expect(frames[0]!.arrivalMs).toBe(100 + packets.length - 1);
    expect(frames[0]!.data.equals(vp8Keyframe(40))).toBe(true);
    rtpToFrames.close();
  });

  it('after a lost packet drops every frame until the next keyframe and asks for one', () => {
    const { frames, reasons, rtpToFrames } = pipeline();
    let seq = 0;
    let ts = 0;
    const send = (frame: Buffer, drop?: number): void => {
      const packets = vp8Packets(frame, seq, ts);
      seq += packets.length;
      ts += 3000; // 33 ms at 90 kHz
      packets.forEach((packet, i) => {
        if (i !== drop) rtpToFrames.input(packet, ts / 90);
      });
    };
    send(vp8Keyframe());
    send(vp8InterFrame(40));
    send(vp8InterFrame(40), 1); // loses its second packet
    for (let i = 0; i < 5; i++) send(vp8InterFrame(40)); // reference chain broken: must not pass
    send(vp8Keyframe());
    send(vp8InterFrame(40));
    const kinds = frames.map((frame) => (frame.isKeyframe ? 'K' : 'P'));
    expect(kinds).toEqual(['K', 'P', 'K', 'P']);
    expect(reasons).toContain('loss');
    expect(reasons).toContain('waiting');
    expect(rtpToFrames.stats.gaps).toBeGreaterThanOrEqual(1);
    rtpToFrames.close();
  });

  it('never starts on a frame that begins mid-partition', () => {
    const { frames, rtpToFrames } = pipeline();
    const packets = vp8Packets(vp8Keyframe(40), 0, 0);
    packets.slice(1).forEach((packet) => rtpToFrames.input(packet, 0)); // first packet never arrived
    vp8Packets(vp8InterFrame(), packets.length, 3000).forEach((packet) => rtpToFrames.input(packet, 1));
    expect(frames).toHaveLength(0);
    rtpToFrames.close();
  });
});

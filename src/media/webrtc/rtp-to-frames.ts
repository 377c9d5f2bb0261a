import { DepacketizeCallback, type DepacketizerCodec, type RtpPacket } from 'werift/nonstandard';
import type { EncodedFrame } from '../ffmpeg/ffmpeg-decoder.ts';
import type { VideoCodec } from '../ffmpeg/stream-framing.ts';
import { H264ParameterSets, isH264Keyframe, isVp8Keyframe } from './codec-bitstream.ts';
import { KeyframeGate, type KeyframeGateStats } from './keyframe-gate.ts';
import { ReorderBuffer } from './reorder-buffer.ts';

/** Why a keyframe is wanted: nothing decodable yet, a packet was lost, or frames are being dropped. */
export type RtpKeyframeReason = 'start' | 'loss' | 'waiting';

export interface RtpToFramesOptions {
  codec: VideoCodec;
  /** How long the jitter buffer waits for a missing packet (NACK retransmission) before giving up. */
  jitterBufferLatencyMs?: number;
  onFrame: (frame: EncodedFrame) => void;
  onKeyframeNeeded: (reason: RtpKeyframeReason) => void;
}

export interface RtpToFramesStats extends KeyframeGateStats {
  packetsIn: number;
  /** Packets given up on after the reorder wait. */
  packetsLost: number;
  /** Duplicates and retransmissions that came after their gap was given up. */
  packetsLate: number;
  framesOut: number;
}

/** werift's depacketizer names H.264 by its MP4 brand. */
const WERIFT_CODEC_NAME: Record<VideoCodec, DepacketizerCodec> = { vp8: 'VP8', h264: 'MPEG4/ISO/AVC' };

/**
 * RTP packets of one video track → complete encoded frames the decoder can use:
 * reorder buffer (waits for retransmissions; replaces werift's JitterBufferCallback, see
 * reorder-buffer.ts) → werift's DepacketizeCallback (frames at the marker bit; drops a frame that
 * spans a gap) → keyframe gate (nothing that references a lost frame gets through).
 */
export class RtpToFrames {
  readonly codec: VideoCodec;
  private readonly reorder: ReorderBuffer<{ rtp: RtpPacket; arrivalMs: number }>;
  private readonly depacketizer: DepacketizeCallback;
  private readonly gate = new KeyframeGate();
  private readonly parameterSets = new H264ParameterSets();
  private readonly onFrame: (frame: EncodedFrame) => void;
  private readonly onKeyframeNeeded: (reason: RtpKeyframeReason) => void;
  private packetsIn = 0;
  private framesOut = 0;
  private closed = false;

  constructor(options: RtpToFramesOptions) {
    this.codec = options.codec;
    this.onFrame = options.onFrame;
    this.onKeyframeNeeded = options.onKeyframeNeeded;
    this.reorder = new ReorderBuffer({ latencyMs: options.jitterBufferLatencyMs ?? 100 });
    this.depacketizer = new DepacketizeCallback(WERIFT_CODEC_NAME[options.codec], {
      isFinalPacketInSequence: (header) => header.marker,
    });
    this.depacketizer.pipe((output) => {
      if (output.frame) this.onDepacketized(output.frame.data, output.frame.time);
    });
  }

  get stats(): RtpToFramesStats {
    const { lost, late } = this.reorder.stats;
    return {
      ...this.gate.stats,
      packetsIn: this.packetsIn,
      packetsLost: lost,
      packetsLate: late,
      framesOut: this.framesOut,
    };
  }

  get awaitingKeyframe(): boolean {
    return this.gate.awaitingKeyframe;
  }

  /** One received RTP packet and performance.now() at its arrival. */
  input(rtp: RtpPacket, arrivalMs: number): void {
    if (this.closed) return;
    this.packetsIn++;
    for (const output of this.reorder.push(rtp.header.sequenceNumber, { rtp, arrivalMs }, arrivalMs)) {
      // Packets come out strictly in order, so the gate sees a given-up gap as a sequence jump.
      if (output.kind === 'lost') continue;
      if (this.gate.onPacket(output.sequenceNumber)) this.onKeyframeNeeded('loss');
      // werift's depacketizer reports a frame's time as the time of its last (marker) packet.
      this.depacketizer.input({ rtp: output.packet.rtp, time: output.packet.arrivalMs });
    }
  }

  /** Something downstream (the decoder) lost its reference: wait for the next keyframe. */
  requireKeyframe(): void {
    this.gate.onLoss();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.depacketizer.destroy();
  }

  private onDepacketized(data: Buffer, arrivalMs: number): void {
    if (this.closed || data.length === 0) return;
    const isKeyframe = this.codec === 'vp8' ? isVp8Keyframe(data) : isH264Keyframe(data);
    const wasWaiting = this.gate.awaitingKeyframe;
    if (this.gate.onFrame(isKeyframe) === 'drop') {
      this.onKeyframeNeeded(wasWaiting && this.framesOut === 0 ? 'start' : 'waiting');
      return;
    }
    this.framesOut++;
    const frameData = this.codec === 'h264' ? this.parameterSets.complete(data) : data;
    this.onFrame({ data: frameData, isKeyframe, arrivalMs });
  }
}

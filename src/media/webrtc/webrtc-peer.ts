import {
  RTCPeerConnection,
  useH264,
  useVP8,
  type MediaStreamTrack,
  type RTCDataChannel,
  type RTCIceCandidateInit,
  type RTCIceServer,
  type RTCRtpReceiver,
  type RtpPacket,
} from 'werift';
import type { Logger } from '../../log.ts';
import { FfmpegDecoder, type DecodedFrame } from '../ffmpeg/ffmpeg-decoder.ts';
import type { VideoCodec } from '../ffmpeg/stream-framing.ts';
import { MediaError, type MediaErrorCode } from './media-error.ts';
import { PliThrottle } from './pli-throttle.ts';
import { h264AccessUnitSize, vp8KeyframeSize } from './codec-bitstream.ts';
import { RtpToFrames } from './rtp-to-frames.ts';
import { DEFAULT_OFFER_LIMITS, validateOffer, type OfferLimits } from './sdp-validation.ts';

/** A STUN/TURN server; optional fields may be given as undefined (config objects often do). */
export interface IceServer {
  urls: string | string[];
  username?: string | undefined;
  credential?: string | undefined;
}

export interface WebRtcPeerOptions {
  logger: Logger;
  /** The ffmpeg binary (see resolveFfmpegPath); `legacy` for builds older than 5.1. */
  ffmpeg: { path: string; legacy?: boolean };
  /** Size of the rgb24 frames handed to onFrame (the pose model's input size). */
  frameWidth: number;
  frameHeight: number;
  /** STUN/TURN servers; none by default (host candidates only). */
  iceServers?: IceServer[];
  /** Extra host addresses to gather, e.g. ['127.0.0.1'] for loopback tests. */
  iceAdditionalHostAddresses?: string[];
  /** UDP port range for ICE, e.g. to match a firewall or a k8s hostPort range. */
  icePortRange?: [number, number];
  offerLimits?: Partial<OfferLimits>;
  /** From the answer to ICE connected. */
  iceConnectTimeoutMs?: number;
  /** From ICE connected to DTLS connected. */
  dtlsTimeoutMs?: number;
  /** From DTLS connected to the first decoded frame. */
  firstFrameTimeoutMs?: number;
  /** After the first frame: no RTP for this long means the client is gone (a closed tab sends no goodbye). */
  mediaTimeoutMs?: number;
  /** Video bitrate allowed on average over a 3 s window (kbit/s). */
  maxBitrateKbps?: number;
  /** Largest accepted video side, read from keyframe headers (VP8) or the SPS (H.264). */
  maxVideoDimension?: number;
  /** Minimum spacing of keyframe requests. */
  pliIntervalMs?: number;
  /** How long a missing packet is waited for (NACK retransmission) before its frame is given up. */
  jitterBufferLatencyMs?: number;
  /** Label of the client-created data channel results travel on. */
  dataChannelLabel?: string;
}

export interface WebRtcPeerHandlers {
  onFrame?: (frame: DecodedFrame) => void;
  /** The peer failed and is closing itself; onClosed follows. */
  onFailure?: (code: MediaErrorCode, message: string) => void;
  onDataChannelOpen?: () => void;
  onDataChannelMessage?: (text: string) => void;
  /** Called once when everything has been released, whatever the reason. */
  onClosed?: () => void;
  /** Setup milestones, each once, with the milliseconds since the offer arrived (for metrics). */
  onSetupPhase?: (phase: SetupPhase, elapsedMs: number) => void;
}

export type SetupPhase = 'ice_connected' | 'dtls_connected' | 'first_frame';

export interface SessionDescriptionMessage {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface WebRtcPeerStats {
  codec: VideoCodec | undefined;
  packetsReceived: number;
  bytesReceived: number;
  /** RTCP NACK packets sent. */
  nackSent: number;
  pliSent: number;
  /** Packet gaps the jitter buffer could not repair. */
  packetGaps: number;
  ffmpegRestarts: number;
  framesDecoded: number;
  /** All frames that did not reach onFrame, whatever the reason (breakdown below). */
  framesDropped: number;
  framesDroppedAwaitingKeyframe: number;
  framesDroppedBacklog: number;
  framesDroppedByDecoder: number;
  ffmpegPid: number | undefined;
}

interface VideoPipeline {
  codec: VideoCodec;
  rtpToFrames: RtpToFrames;
  decoder: FfmpegDecoder;
}

const DEFAULTS = {
  iceConnectTimeoutMs: 10_000,
  dtlsTimeoutMs: 10_000,
  firstFrameTimeoutMs: 10_000,
  mediaTimeoutMs: 10_000,
  maxVideoDimension: 4096,
  maxBitrateKbps: 8000,
  pliIntervalMs: 300,
  jitterBufferLatencyMs: 100,
  dataChannelLabel: 'workout',
} as const;

function toWeriftIceServer({ urls, username, credential }: IceServer): RTCIceServer {
  return {
    urls,
    ...(username !== undefined ? { username } : {}),
    ...(credential !== undefined ? { credential } : {}),
  };
}

const CODEC_BY_MIME: Record<string, VideoCodec> = { 'video/vp8': 'vp8', 'video/h264': 'h264' };

/**
 * One browser's WebRTC connection: answers its offer, receives its video and turns it into rgb24
 * frames, and carries text both ways on the data channel the client opened. It owns the peer
 * connection, the ffmpeg child, its timers and subscriptions, and releases all of them in close().
 */
export class WebRtcPeer {
  private readonly pc: RTCPeerConnection;
  private readonly logger: Logger;
  private readonly options: WebRtcPeerOptions;
  private readonly handlers: WebRtcPeerHandlers;
  private readonly pli: PliThrottle;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unsubscribes: (() => void)[] = [];
  private iceTimer: NodeJS.Timeout | undefined;
  private dtlsTimer: NodeJS.Timeout | undefined;
  private firstFrameTimer: NodeJS.Timeout | undefined;
  private receiver: RTCRtpReceiver | undefined;
  private codecByPayloadType = new Map<number, VideoCodec>();
  private pipeline: VideoPipeline | undefined;
  private channel: RTCDataChannel | undefined;
  private channelOpened = false;
  private mediaSsrc: number | undefined;
  private firstFrameSeen = false;
  private lastRtpMs = 0;
  /** False for a data-channel-only call (edge mode): no video timers, the data channel keeps it alive. */
  private expectVideo = true;
  private rateWindow = { startMs: 0, bytes: 0 };
  private failed = false;
  private closePromise: Promise<void> | undefined;
  private answerSdp = '';
  private readonly createdMs = performance.now();
  private readonly phasesSeen = new Set<SetupPhase>();
  private readonly counters = {
    packetsReceived: 0,
    bytesReceived: 0,
    nackSent: 0,
    pliSent: 0,
    packetsIgnored: 0,
  };

  /**
   * Validates the client's offer and answers it. The answer is non-trickle: it already carries this
   * side's ICE candidates. Throws MediaError (SDP_* / NO_SUPPORTED_CODEC / NEGOTIATION_FAILED).
   */
  static async create(
    offer: SessionDescriptionMessage | string,
    options: WebRtcPeerOptions,
    handlers: WebRtcPeerHandlers = {},
  ): Promise<WebRtcPeer> {
    const sdp = typeof offer === 'string' ? offer : offer.sdp;
    if (typeof offer !== 'string' && offer.type !== 'offer') {
      throw new MediaError('SDP_INVALID', `expected an offer, got ${String(offer.type)}`);
    }
    const { videoCodecs } = validateOffer(sdp, { ...DEFAULT_OFFER_LIMITS, ...options.offerLimits });
    const pc = new RTCPeerConnection({
      codecs: { audio: [], video: [useVP8(), useH264()] },
      iceServers: (options.iceServers ?? []).map(toWeriftIceServer),
      iceUseIpv6: false,
      iceAdditionalHostAddresses: options.iceAdditionalHostAddresses,
      icePortRange: options.icePortRange,
    });
    const peer = new WebRtcPeer(pc, options, handlers);
    peer.expectVideo = videoCodecs.length > 0;
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      peer.answerSdp = pc.localDescription?.sdp ?? '';
      if (peer.answerSdp === '') throw new Error('no local description after setLocalDescription');
    } catch (error) {
      await peer.close();
      throw new MediaError('NEGOTIATION_FAILED', `could not answer the offer: ${String(error)}`, {
        cause: error,
      });
    }
    peer.iceTimer = peer.startTimer(peer.options.iceConnectTimeoutMs ?? DEFAULTS.iceConnectTimeoutMs, () =>
      peer.fail('ICE_TIMEOUT', 'no ICE connection in time'),
    );
    return peer;
  }

  private constructor(pc: RTCPeerConnection, options: WebRtcPeerOptions, handlers: WebRtcPeerHandlers) {
    this.pc = pc;
    this.options = options;
    this.handlers = handlers;
    this.logger = options.logger;
    this.pli = new PliThrottle(options.pliIntervalMs ?? DEFAULTS.pliIntervalMs);
    this.subscribe(pc.iceConnectionStateChange.subscribe((state) => this.onIceState(state)));
    this.subscribe(pc.connectionStateChange.subscribe((state) => this.onConnectionState(state)));
    this.subscribe(pc.onTrack.subscribe((track) => this.onTrack(track)));
    this.subscribe(pc.onDataChannel.subscribe((channel) => this.onDataChannel(channel)));
  }

  /** The answer for the client; it carries this side's ICE candidates (non-trickle). */
  get answer(): SessionDescriptionMessage {
    return { type: 'answer', sdp: this.answerSdp };
  }

  /** A trickled remote candidate (optional: the offer may already carry all of them). */
  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.closePromise) return;
    await this.pc.addIceCandidate(candidate);
  }

  /** Sends text on the `workout` data channel; false when it is not open. */
  send(text: string): boolean {
    const channel = this.channel;
    if (!channel || channel.readyState !== 'open' || this.closePromise) return false;
    try {
      channel.send(text);
      return true;
    } catch (error) {
      this.logger.debug({ err: error }, 'data channel send failed');
      return false;
    }
  }

  /** Waits (bounded) until the data channel has handed everything queued to SCTP, e.g. a last summary before close. */
  async flush(timeoutMs = 1000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.channel?.readyState === 'open' && this.channel.bufferedAmount > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  get dataChannelOpen(): boolean {
    return this.channel?.readyState === 'open';
  }

  get closed(): boolean {
    return this.closePromise !== undefined;
  }

  get stats(): WebRtcPeerStats {
    const rtp = this.pipeline?.rtpToFrames.stats;
    const decoder = this.pipeline?.decoder.stats;
    const gateDropped = rtp?.framesDropped ?? 0;
    const awaiting = decoder?.framesDroppedAwaitingKeyframe ?? 0;
    const backlog = decoder?.framesDroppedBacklog ?? 0;
    const byDecoder = decoder?.framesDroppedByDecoder ?? 0;
    return {
      codec: this.pipeline?.codec,
      packetsReceived: this.counters.packetsReceived,
      bytesReceived: this.counters.bytesReceived,
      nackSent: this.counters.nackSent,
      pliSent: this.counters.pliSent,
      packetGaps: rtp?.gaps ?? 0,
      ffmpegRestarts: decoder?.restarts ?? 0,
      framesDecoded: decoder?.framesDecoded ?? 0,
      framesDropped: gateDropped + awaiting + backlog + byDecoder,
      framesDroppedAwaitingKeyframe: gateDropped + awaiting,
      framesDroppedBacklog: backlog,
      framesDroppedByDecoder: byDecoder,
      ffmpegPid: decoder?.pid,
    };
  }

  /** Releases the peer connection, ffmpeg, timers and subscriptions. Safe to call more than once. */
  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  private async shutdown(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.pipeline?.rtpToFrames.close();
    const results = await Promise.allSettled([this.pipeline?.decoder.close(), this.pc.close()]);
    for (const result of results) {
      if (result.status === 'rejected')
        this.logger.warn({ err: result.reason as unknown }, 'error while closing peer');
    }
    this.logger.debug({ stats: this.stats }, 'webrtc peer closed');
    this.callHandler('onClosed', () => this.handlers.onClosed?.());
  }

  private subscribe(subscription: { unSubscribe: () => void }): void {
    this.unsubscribes.push(() => subscription.unSubscribe());
  }

  private startTimer(ms: number, onTimeout: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      onTimeout();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private stopTimer(timer: NodeJS.Timeout | undefined): void {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private fail(code: MediaErrorCode, message: string): void {
    if (this.failed || this.closePromise) return;
    this.failed = true;
    const error = new MediaError(code, message);
    this.logger[error.clientFault ? 'info' : 'warn'](
      { code, stats: this.stats },
      `webrtc peer failed: ${message}`,
    );
    this.callHandler('onFailure', () => this.handlers.onFailure?.(code, message));
    void this.close();
  }

  private onIceState(state: RTCPeerConnection['iceConnectionState']): void {
    this.logger.debug({ state }, 'ice connection state');
    if (state === 'connected' || state === 'completed') this.reachPhase('ice_connected');
    if ((state === 'connected' || state === 'completed') && this.iceTimer) {
      this.stopTimer(this.iceTimer);
      this.iceTimer = undefined;
      if (this.pc.connectionState !== 'connected') {
        this.dtlsTimer = this.startTimer(this.options.dtlsTimeoutMs ?? DEFAULTS.dtlsTimeoutMs, () =>
          this.fail('DTLS_TIMEOUT', 'no DTLS handshake in time'),
        );
      }
    } else if (state === 'failed') {
      this.fail('ICE_FAILED', 'ICE connection failed');
    }
  }

  private onConnectionState(state: RTCPeerConnection['connectionState']): void {
    this.logger.debug({ state }, 'peer connection state');
    if (state === 'connected') {
      this.reachPhase('dtls_connected');
      this.stopTimer(this.iceTimer);
      this.stopTimer(this.dtlsTimer);
      this.iceTimer = this.dtlsTimer = undefined;
      if (this.expectVideo && !this.firstFrameSeen && !this.firstFrameTimer) {
        this.firstFrameTimer = this.startTimer(
          this.options.firstFrameTimeoutMs ?? DEFAULTS.firstFrameTimeoutMs,
          () => this.fail('FIRST_FRAME_TIMEOUT', 'no video frame decoded in time'),
        );
      }
      this.requestKeyframe();
    } else if (state === 'failed') {
      this.fail('ICE_FAILED', 'peer connection failed');
    } else if (state === 'closed' && !this.closePromise) {
      // The remote side hung up (DTLS close_notify); not a failure, but everything must go.
      void this.close();
    }
  }

  private onTrack(track: MediaStreamTrack): void {
    if (track.kind !== 'video' || this.receiver) return;
    const transceiver = this.pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
    if (!transceiver) return;
    this.receiver = transceiver.receiver;
    for (const codec of transceiver.codecs) {
      const videoCodec = CODEC_BY_MIME[codec.mimeType.toLowerCase()];
      if (videoCodec) this.codecByPayloadType.set(codec.payloadType, videoCodec);
    }
    this.subscribe(transceiver.receiver.onPacketLost.subscribe(() => this.counters.nackSent++));
    this.subscribe(track.onReceiveRtp.subscribe((rtp) => this.onRtp(rtp)));
  }

  private onRtp(rtp: RtpPacket): void {
    const arrivalMs = performance.now();
    if (this.closePromise) return;
    this.lastRtpMs = arrivalMs;
    if (this.overBitrate(arrivalMs, rtp.serializeSize)) return;
    this.counters.packetsReceived++;
    this.counters.bytesReceived += rtp.serializeSize;
    this.mediaSsrc = rtp.header.ssrc;
    const codec = this.codecByPayloadType.get(rtp.header.payloadType);
    if (!codec) {
      this.counters.packetsIgnored++;
      return;
    }
    const pipeline = this.pipeline ?? this.startPipeline(codec);
    if (codec !== pipeline.codec) {
      // A mid-call codec switch would need a second decoder; the first negotiated codec stays.
      this.counters.packetsIgnored++;
      return;
    }
    pipeline.rtpToFrames.input(rtp, arrivalMs);
    if (pipeline.rtpToFrames.awaitingKeyframe || pipeline.decoder.awaitingKeyframe) this.requestKeyframe();
  }

  private startPipeline(codec: VideoCodec): VideoPipeline {
    const decoder = new FfmpegDecoder({
      ffmpegPath: this.options.ffmpeg.path,
      legacyFfmpeg: this.options.ffmpeg.legacy ?? false,
      codec,
      width: this.options.frameWidth,
      height: this.options.frameHeight,
      logger: this.logger,
    });
    const rtpToFrames = new RtpToFrames({
      codec,
      jitterBufferLatencyMs: this.options.jitterBufferLatencyMs ?? DEFAULTS.jitterBufferLatencyMs,
      onFrame: (frame) => {
        if (frame.isKeyframe && this.tooLarge(codec, frame.data)) return;
        decoder.push(frame);
      },
      onKeyframeNeeded: () => this.requestKeyframe(),
    });
    decoder.on('frame', (frame) => this.onDecodedFrame(frame));
    decoder.on('keyframeNeeded', () => this.requestKeyframe());
    decoder.on('restart', () => this.requestKeyframe(true));
    decoder.on('failed', (error) => this.fail('DECODER_FAILED', error.message));
    this.pipeline = { codec, rtpToFrames, decoder };
    this.logger.info({ codec }, 'webrtc video started');
    return this.pipeline;
  }

  private onDecodedFrame(frame: DecodedFrame): void {
    if (this.closePromise) return;
    if (!this.firstFrameSeen) {
      this.firstFrameSeen = true;
      this.stopTimer(this.firstFrameTimer);
      this.firstFrameTimer = undefined;
      this.logger.info({ latencyMs: frame.decodedMs - frame.arrivalMs }, 'first video frame decoded');
      this.reachPhase('first_frame');
      this.watchMedia();
    }
    this.callHandler('onFrame', () => this.handlers.onFrame?.(frame));
  }

  /**
   * A keyframe declaring more than maxVideoDimension pixels a side is refused before it reaches
   * ffmpeg (which would allocate for it): the call fails with VIDEO_TOO_LARGE.
   */
  private tooLarge(codec: VideoCodec, data: Buffer): boolean {
    const size = codec === 'vp8' ? vp8KeyframeSize(data) : h264AccessUnitSize(data);
    const max = this.options.maxVideoDimension ?? DEFAULTS.maxVideoDimension;
    if (!size || (size.width <= max && size.height <= max)) return false;
    this.fail('VIDEO_TOO_LARGE', `keyframe declares ${size.width}x${size.height}; the limit is ${max} a side`);
    return true;
  }

  /** Tumbling 3 s windows of received bytes; a window over the limit fails the call (a client flooding media). */
  private overBitrate(nowMs: number, bytes: number): boolean {
    if (nowMs - this.rateWindow.startMs >= 3000) this.rateWindow = { startMs: nowMs, bytes: 0 };
    this.rateWindow.bytes += bytes;
    const limitBytes = ((this.options.maxBitrateKbps ?? DEFAULTS.maxBitrateKbps) * 1000 * 3) / 8;
    if (this.rateWindow.bytes <= limitBytes) return false;
    this.fail('BITRATE_EXCEEDED', `over ${this.options.maxBitrateKbps ?? DEFAULTS.maxBitrateKbps} kbit/s`);
    return true;
  }

  /** Checks, once a second, that RTP still arrives; silence past mediaTimeoutMs fails the peer. */
  private watchMedia(): void {
    const limit = this.options.mediaTimeoutMs ?? DEFAULTS.mediaTimeoutMs;
    const check = (): void => {
      if (this.closePromise) return;
      if (performance.now() - this.lastRtpMs > limit) this.fail('MEDIA_TIMEOUT', `no video for ${limit} ms`);
      else this.startTimer(Math.min(1000, limit), check);
    };
    this.startTimer(Math.min(1000, limit), check);
  }

  /** PLI to the sender, at most one per pliIntervalMs unless `force` (a fresh decoder cannot wait). */
  private requestKeyframe(force = false): void {
    const receiver = this.receiver;
    const ssrc = this.mediaSsrc;
    if (!receiver || ssrc === undefined || this.closePromise) return;
    if (!this.pli.take() && !force) return;
    this.counters.pliSent++;
    receiver
      .sendRtcpPLI(ssrc)
      .catch((error: unknown) => this.logger.debug({ err: error }, 'PLI send failed'));
  }

  private onDataChannel(channel: RTCDataChannel): void {
    const label = this.options.dataChannelLabel ?? DEFAULTS.dataChannelLabel;
    if (channel.label !== label || this.channel) {
      this.logger.debug({ label: channel.label }, 'ignoring unexpected data channel');
      return;
    }
    this.channel = channel;
    this.subscribe(
      channel.stateChanged.subscribe((state) => {
        if (state === 'open') this.onChannelOpen();
      }),
    );
    this.subscribe(
      channel.onMessage.subscribe((data) => {
        if (this.closePromise) return;
        if (!this.expectVideo) this.lastRtpMs = performance.now();
        const text = typeof data === 'string' ? data : data.toString('utf8');
        this.callHandler('onDataChannelMessage', () => this.handlers.onDataChannelMessage?.(text));
      }),
    );
    if (channel.readyState === 'open') this.onChannelOpen();
  }

  private onChannelOpen(): void {
    if (this.channelOpened || this.closePromise) return;
    this.channelOpened = true;
    if (!this.expectVideo) {
      // Edge mode: the client's landmarks are its heartbeat.
      this.lastRtpMs = performance.now();
      this.watchMedia();
    }
    this.callHandler('onDataChannelOpen', () => this.handlers.onDataChannelOpen?.());
  }

  private reachPhase(phase: SetupPhase): void {
    if (this.phasesSeen.has(phase)) return;
    this.phasesSeen.add(phase);
    const elapsedMs = performance.now() - this.createdMs;
    this.callHandler('onSetupPhase', () => this.handlers.onSetupPhase?.(phase, elapsedMs));
  }

  /** A throwing consumer must not take the media path down with it. */
  private callHandler(name: keyof WebRtcPeerHandlers, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error({ err: error, handler: name }, 'webrtc peer handler threw');
    }
  }
}

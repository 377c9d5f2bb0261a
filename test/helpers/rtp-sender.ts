import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { MediaStreamTrack, RTCPeerConnection, RtpPacket, useH264, useVP8, type RTCDataChannel } from 'werift';
import { encodedClip, encoderArgs, liveSourceArgs } from './clips.ts';

export type SenderCodec = 'vp8' | 'h264';

export interface RtpSenderOptions {
  codec: SenderCodec;
  /** Clip to loop; undefined streams ffmpeg's testsrc2 pattern. */
  clip?: string | undefined;
  width?: number;
  height?: number;
  fps?: number;
  /** Keyframe interval in frames: ffmpeg cannot answer a PLI, so a short GOP bounds recovery time. */
  gop?: number;
  bitrateKbps?: number;
  /** Fraction (0..1) of RTP packets dropped before werift sends them: a real loss, no retransmission. */
  lossRate?: number;
  /** Seed of the loss pattern, so a failing run can be repeated. */
  lossSeed?: number;
  ffmpegPath?: string;
  dataChannelLabel?: string;
  /**
   * Encode live instead of streaming a cached encode of the first `loopSeconds` of the source. Live
   * VP8 cannot keep 30 fps on this machine (see encodedClip).
   */
  live?: boolean;
  /** Length of the cached encode that is looped. */
  loopSeconds?: number;
  /** Where in the clip the looped encode starts. */
  startSeconds?: number;
}

export interface SessionDescription {
  type: 'offer' | 'answer';
  sdp: string;
}

/** mulberry32: a tiny seeded PRNG so loss patterns are reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A browser stand-in: a werift peer that opens the `workout` data channel, offers one send-only
 * video track and streams a clip (or a test pattern) as VP8 or H.264 RTP: ffmpeg paces a cached
 * encode in real time (or encodes live, see `live`) and sends RTP to a local UDP socket; each packet is written into the werift track, which keeps
 * ffmpeg's sequence numbers, so dropping a packet here is a genuine, unrepairable loss.
 */
export class RtpSender {
  readonly options: Required<Omit<RtpSenderOptions, 'clip'>> & { clip: string | undefined };
  readonly pc: RTCPeerConnection;
  readonly channel: RTCDataChannel;
  readonly messages: string[] = [];
  packetsSent = 0;
  bytesSent = 0;
  framesSent = 0;
  packetsDropped = 0;
  pliReceived = 0;
  private readonly track = new MediaStreamTrack({ kind: 'video' });
  private mangle: ((packet: RtpPacket) => RtpPacket | null) | null = null;
  private readonly random: () => number;
  private socket: Socket | undefined;
  private encoder: ChildProcess | undefined;
  private encoderExited: Promise<unknown> | undefined;
  private messageWaiters: { predicate: (text: string) => boolean; resolve: (text: string) => void }[] = [];
  private closePromise: Promise<void> | undefined;

  constructor(options: RtpSenderOptions) {
    this.options = {
      codec: options.codec,
      clip: options.clip,
      width: options.width ?? 640,
      height: options.height ?? 360,
      fps: options.fps ?? 30,
      gop: options.gop ?? 10,
      bitrateKbps: options.bitrateKbps ?? 1000,
      lossRate: options.lossRate ?? 0,
      lossSeed: options.lossSeed ?? 1,
      ffmpegPath: options.ffmpegPath ?? 'ffmpeg',
      dataChannelLabel: options.dataChannelLabel ?? 'workout',
      live: options.live ?? false,
      loopSeconds: options.loopSeconds ?? 4,
      startSeconds: options.startSeconds ?? 0,
    };
    this.random = seededRandom(this.options.lossSeed);
    this.pc = new RTCPeerConnection({
      codecs: { audio: [], video: [this.options.codec === 'vp8' ? useVP8() : useH264()] },
      iceServers: [],
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      // As browsers do; with werift's default (max-compat) the offerer gathers a second ICE transport
      // for the data channel that BUNDLE then orphans, and its sockets outlive close().
      bundlePolicy: 'max-bundle',
    });
    // Created before the offer, as the browser client does, so the offer carries the SCTP m-line.
    this.channel = this.pc.createDataChannel(this.options.dataChannelLabel);
    this.channel.onMessage.subscribe((data) =>
      this.onMessage(typeof data === 'string' ? data : data.toString()),
    );
    const transceiver = this.pc.addTransceiver(this.track, { direction: 'sendonly' });
    transceiver.sender.onPictureLossIndication.subscribe(() => this.pliReceived++);
  }

  /** The offer, with this side's candidates in it (non-trickle). */
  async createOffer(): Promise<SessionDescription> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new Error('no local offer');
    return { type: 'offer', sdp };
  }

  async acceptAnswer(answer: SessionDescription): Promise<void> {
    await this.pc.setRemoteDescription(answer);
  }

  /** Resolves when DTLS is up; media written before that would be discarded by werift. */
  async connected(timeoutMs = 10_000): Promise<void> {
    if (this.pc.connectionState === 'connected') return;
    await this.pc.connectionStateChange.watch((state) => state === 'connected', timeoutMs);
  }

  /**
   * Starts the RTP source; RTP flows until close(). The first call per source encodes it (seconds,
   * blocking): call `encodedClip` beforehand (e.g. in beforeAll) to keep that out of a live call.
   */
  async startVideo(): Promise<void> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (packet) => this.onUdp(packet));
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const port = socket.address().port;
    const { width, height, fps, codec, gop, bitrateKbps, ffmpegPath, clip, loopSeconds, startSeconds } = this.options;
    const source = this.options.live
      ? [
          ...liveSourceArgs(clip, { width, height, fps }),
          '-an',
          '-vf',
          `scale=${width}:${height},fps=${fps}`,
          '-pix_fmt',
          'yuv420p',
          ...encoderArgs(codec, gop, bitrateKbps),
        ]
      : [
          '-re',
          '-stream_loop',
          '-1',
          '-i',
          encodedClip(clip, {
            codec,
            seconds: loopSeconds,
            startSeconds,
            gop,
            bitrateKbps,
            width,
            height,
            fps,
            ffmpegPath,
          }),
          '-an',
          '-c:v',
          'copy',
        ];
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      ...source,
      '-f',
      'rtp',
      '-payload_type',
      '96',
      // RTCP to the same socket, where it is filtered out, instead of an unbound port.
      `rtp://127.0.0.1:${port}?pkt_size=1200&rtcpport=${port}`,
    ];
    const encoder = spawn(this.options.ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.encoder = encoder;
    this.encoderExited = once(encoder, 'exit').catch(() => undefined);
    encoder.stderr?.on('data', (chunk: Buffer) => {
      if (!this.closePromise) process.stderr.write(`[sender ffmpeg] ${chunk.toString()}`);
    });
  }

  /** The encoder's pid (a grandchild of nothing in the server: it belongs to the test). */
  get encoderPid(): number | undefined {
    return this.encoder?.pid;
  }

  send(text: string): void {
    this.channel.send(text);
  }

  /** Resolves with the first data-channel message (already received or future) matching predicate. */
  waitForMessage(predicate: (text: string) => boolean = () => true, timeoutMs = 10_000): Promise<string> {
    const existing = this.messages.find(predicate);
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching data-channel message')), timeoutMs);
      this.messageWaiters.push({
        predicate,
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
      });
    });
  }

  /** Writes one RTP packet as built by the caller (bad-input tests); SRTP still protects it on the wire. */
  writeRtp(packet: RtpPacket): void {
    this.track.writeRtp(packet);
  }

  /** Mangles every RTP packet from now on with `mangle` (fuzzing, sequence jumps); null stops it. */
  setMangler(mangle: ((packet: RtpPacket) => RtpPacket | null) | null): void {
    this.mangle = mangle;
  }

  /** Stops the RTP source only (the peer connection stays up): a client whose camera or network died silently. */
  stopVideo(): void {
    this.encoder?.kill('SIGKILL');
  }

  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  private async shutdown(): Promise<void> {
    this.encoder?.kill('SIGKILL');
    await this.encoderExited;
    this.socket?.close();
    this.track.stop();
    await this.pc.close();
  }

  private onMessage(text: string): void {
    this.messages.push(text);
    const waiters = this.messageWaiters;
    this.messageWaiters = [];
    for (const waiter of waiters) {
      if (waiter.predicate(text)) waiter.resolve(text);
      else this.messageWaiters.push(waiter);
    }
  }

  private onUdp(datagram: Buffer): void {
    if (this.closePromise || datagram.length < 12) return;
    const packetType = datagram[1]!;
    if (packetType >= 200 && packetType <= 204) return; // RTCP sender report from ffmpeg
    if (this.options.lossRate > 0 && this.random() < this.options.lossRate) {
      this.packetsDropped++;
      return;
    }
    this.packetsSent++;
    this.bytesSent += datagram.length;
    // Frames end on the RTP marker bit: count them to report bytes per frame.
    if ((datagram[1]! & 0x80) !== 0) this.framesSent++;
    const packet = RtpPacket.deSerialize(datagram);
    const mangled = this.mangle ? this.mangle(packet) : packet;
    if (mangled) this.track.writeRtp(mangled);
  }
}

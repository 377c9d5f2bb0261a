import { errorMessage, isErrorCode, type ErrorCode, type IceCandidateInit, type SessionDescriptionInit } from '../../signaling/index.ts';
import type { FfmpegBinary } from '../media/ffmpeg/ffmpeg-path.ts';
import { MediaError } from '../media/webrtc/media-error.ts';
import { WebRtcPeer } from '../media/webrtc/webrtc-peer.ts';
import type { EndReason } from '../metrics/metrics.ts';
import type { AppContext } from './app-context.ts';
import { ClientConnection, type Disposition } from './client-connection.ts';

export class CallError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

function parsePortRange(range: string): [number, number] | undefined {
  const m = /^(\d+)-(\d+)$/.exec(range);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * One WebRTC call: the peer connection (video in, data channel both ways) and the session it feeds.
 * Results and errors travel on the `workout` data channel; the call ends on hangup, on the socket's
 * disconnect, on a media failure or timeout, and always releases the peer, ffmpeg and the session.
 */
export class WebRtcCall {
  private conn: ClientConnection | undefined;
  private peer: WebRtcPeer | undefined;
  private endReason: EndReason = 'client_closed';
  /** Unset: decided from the end reason (ClientConnection.close). */
  private endDisposition: Disposition | undefined;
  private ended = false;
  private untrackStats: (() => void) | undefined;

  private constructor(
    private readonly ctx: AppContext,
    private readonly onEnded: (call: WebRtcCall) => void,
    private readonly onFailure: (code: ErrorCode, message: string) => void,
  ) {}

  /** Answers the offer; throws CallError with a protocol code when the offer cannot be accepted. */
  static async start(
    ctx: AppContext,
    ffmpeg: FfmpegBinary,
    offer: SessionDescriptionInit,
    hooks: { onEnded: (call: WebRtcCall) => void; onFailure: (code: ErrorCode, message: string) => void },
  ): Promise<{ call: WebRtcCall; answer: SessionDescriptionInit }> {
    const call = new WebRtcCall(ctx, hooks.onEnded, hooks.onFailure);
    const { config, logger, metrics } = ctx;
    const offerMs = performance.now();
    let resultSeen = false;
    const conn = new ClientConnection(ctx, 'webrtc', {
      send: (msg) => {
        const sent = call.peer?.send(JSON.stringify(msg)) ?? false;
        if (sent && !resultSeen && msg.type === 'workout') {
          resultSeen = true;
          metrics.sessionSetup.observe({ phase: 'first_result' }, (performance.now() - offerMs) / 1000);
        }
        return sent;
      },
      close: (reason) => {
        call.endReason = reason;
        void call.peer?.close();
      },
    });
    call.conn = conn;
    const portRange = parsePortRange(config.icePortRange);
    try {
      call.peer = await WebRtcPeer.create(
        offer,
        {
          logger: logger.child({ sessionId: conn.session.id, transport: 'webrtc' }),
          ffmpeg: { path: ffmpeg.path, legacy: ffmpeg.legacy },
          frameWidth: config.webrtcFrameWidth,
          frameHeight: config.webrtcFrameHeight,
          iceServers: config.iceServers.flatMap((server) =>
            (Array.isArray(server.urls) ? server.urls : [server.urls]).map((urls) => ({
              urls,
              ...(server.username !== undefined ? { username: server.username } : {}),
              ...(server.credential !== undefined ? { credential: server.credential } : {}),
            })),
          ),
          iceAdditionalHostAddresses: [...config.iceAdditionalHostAddresses],
          ...(portRange ? { icePortRange: portRange } : {}),
          offerLimits: { maxBytes: config.maxSdpBytes, maxMediaSections: config.maxSdpMediaSections },
          iceConnectTimeoutMs: config.iceTimeoutMs,
          dtlsTimeoutMs: config.dtlsTimeoutMs,
          firstFrameTimeoutMs: config.firstFrameTimeoutMs,
          mediaTimeoutMs: config.mediaTimeoutMs,
          maxVideoDimension: config.maxVideoDimension,
          maxBitrateKbps: config.maxVideoBitrateKbps,
        },
        {
          onFrame: (frame) => conn.session.submitFrame(frame),
          onDataChannelOpen: () => conn.greet(),
          onDataChannelMessage: (text) => conn.onMessage(text),
          onFailure: (code, message) => call.fail(code, message),
          onClosed: () => call.finish(),
          onSetupPhase: (phase, elapsedMs) => metrics.sessionSetup.observe({ phase }, elapsedMs / 1000),
        },
      );
    } catch (err) {
      conn.close('failed', 'finish');
      if (err instanceof MediaError) throw new CallError(isErrorCode(err.code) ? err.code : 'NEGOTIATION_FAILED', err.message);
      throw err;
    }
    const peer = call.peer;
    call.untrackStats = metrics.trackPeer(() => peer.stats);
    return { call, answer: peer.answer };
  }

  get sessionId(): string {
    return this.conn?.session.id ?? '';
  }

  async addIceCandidate(candidate: IceCandidateInit): Promise<void> {
    await this.peer?.addIceCandidate({
      candidate: candidate.candidate,
      ...(candidate.sdpMid != null ? { sdpMid: candidate.sdpMid } : {}),
      ...(candidate.sdpMLineIndex != null ? { sdpMLineIndex: candidate.sdpMLineIndex } : {}),
    });
  }

  private fail(code: string, message: string): void {
    const protocolCode: ErrorCode = isErrorCode(code) ? code : 'NEGOTIATION_FAILED';
    this.endReason = code.endsWith('TIMEOUT') ? 'timeout' : 'failed';
    this.peer?.send(JSON.stringify(errorMessage(protocolCode, message)));
    this.onFailure(protocolCode, message);
  }

  /** Hang up: the summary goes out on the data channel first, then everything is released. */
  async hangup(reason: EndReason = 'client_closed', disposition?: Disposition): Promise<void> {
    this.endDisposition = disposition;
    if (this.conn && this.peer?.dataChannelOpen) {
      this.peer.send(JSON.stringify(this.conn.session.summaryMessage()));
      await this.peer.flush();
    }
    this.endReason = reason;
    await this.peer?.close();
  }

  /** The peer released everything (whatever the reason): end the session once. */
  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.untrackStats?.();
    this.conn?.close(this.endReason, this.endDisposition);
    this.onEnded(this);
  }
}

import type { ClientMessage, ServerMessage } from '../protocol.ts';
import { parseServerMessage, sessionDescriptionSchema } from '../protocol.ts';
import { LinkError, withTimeout, type Link, type LinkHandlers } from './link.ts';
import { connectSocket, type WorkoutSocket } from './socket.ts';

export interface WebRtcLinkOptions {
  /** The camera track sent to the server; null for edge mode (data channel only, no video leaves the device). */
  video: MediaStreamTrack | null;
  /** From the first step to an open data channel; past it the caller falls back to legacy frames. */
  connectTimeoutMs: number;
}

/** The data channel the server expects: created before the offer so it is negotiated in it. */
const CHANNEL_LABEL = 'workout';

/**
 * WebRTC to the server: socket.io carries the (non-trickle) offer and answer; results, errors and the
 * summary come back on the `workout` data channel, and reset/get_summary/set_exercise/landmarks go out on it.
 */
export class WebRtcLink implements Link {
  readonly kind;
  readonly carriesVideo: boolean;
  private closed = false;

  private constructor(
    private readonly socket: WorkoutSocket,
    private readonly pc: RTCPeerConnection,
    private readonly channel: RTCDataChannel,
    video: boolean,
    handlers: LinkHandlers,
  ) {
    this.kind = video ? ('webrtc' as const) : ('edge-webrtc' as const);
    this.carriesVideo = video;
    channel.onmessage = (e: MessageEvent<unknown>) => {
      const msg = typeof e.data === 'string' ? parseServerMessage(e.data) : undefined;
      if (msg) handlers.onMessage(msg);
    };
    channel.onclose = () => {
      if (!this.closed) handlers.onDropped('the data channel closed');
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && !this.closed) handlers.onDropped('the peer connection failed');
    };
    // Call failures (ICE, media timeouts) are also reported on the signaling socket.
    socket.on('error', (payload) => {
      const msg: ServerMessage | undefined = parseServerMessage({ type: 'error', payload });
      if (msg) handlers.onMessage(msg);
    });
    socket.on('disconnect', () => {
      if (!this.closed && channel.readyState !== 'open') handlers.onDropped('signaling closed');
    });
  }

  static async open(handlers: LinkHandlers, options: WebRtcLinkOptions): Promise<WebRtcLink> {
    const deadline = performance.now() + options.connectTimeoutMs;
    const left = (): number => Math.max(1, deadline - performance.now());
    const socket = await connectSocket(left());
    let pc: RTCPeerConnection | undefined;
    try {
      pc = new RTCPeerConnection({ iceServers: [] });
      const channel = pc.createDataChannel(CHANNEL_LABEL);
      if (options.video) pc.addTransceiver(options.video, { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      await waitForGathering(pc, Math.min(3000, left()));
      const sdp = pc.localDescription?.sdp;
      if (!sdp) throw new LinkError('NO_OFFER', 'no local description');
      const reply: unknown = await socket.timeout(left()).emitWithAck('offer', { type: 'offer', sdp });
      const answer = sessionDescriptionSchema.safeParse(reply);
      if (!answer.success || answer.data.type !== 'answer') {
        const refusal = (reply as { error?: { code?: unknown; message?: unknown } } | null)?.error;
        throw new LinkError(
          typeof refusal?.code === 'string' ? refusal.code : 'BAD_ANSWER',
          typeof refusal?.message === 'string' ? refusal.message : 'the server sent no answer',
        );
      }
      await pc.setRemoteDescription(answer.data);
      await withTimeout(waitForOpen(channel), left(), 'CHANNEL_TIMEOUT', 'opening the data channel');
      return new WebRtcLink(socket, pc, channel, options.video !== null, handlers);
    } catch (err) {
      pc?.close();
      socket.disconnect();
      if (err instanceof LinkError) throw err;
      throw new LinkError('WEBRTC_FAILED', err instanceof Error ? err.message : String(err));
    }
  }

  send(msg: ClientMessage): boolean {
    if (this.closed || this.channel.readyState !== 'open') return false;
    this.channel.send(JSON.stringify(msg));
    return true;
  }

  /** Hangs up: the server sends the summary on the channel and closes it; we wait briefly for that. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.channel.readyState === 'open' && this.socket.connected) {
      this.socket.emit('hangup');
      await withTimeout(
        new Promise<void>((resolve) =>
          this.channel.addEventListener('close', () => resolve(), { once: true }),
        ),
        1500,
        'HANGUP_TIMEOUT',
        'hangup',
      ).catch(() => undefined);
    }
    this.pc.close();
    this.socket.disconnect();
  }
}

function waitForGathering(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  // Non-trickle: the offer must carry the candidates. A slow gatherer still sends what it has.
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function waitForOpen(channel: RTCDataChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    if (channel.readyState === 'open') return resolve();
    channel.addEventListener('open', () => resolve(), { once: true });
    channel.addEventListener(
      'close',
      () => reject(new LinkError('CHANNEL_CLOSED', 'the data channel closed before opening')),
      { once: true },
    );
  });
}

import type { FrameGeometry } from './overlay.ts';
import type { ClientMessage, ServerMessage } from './protocol.ts';
import { FramePump } from './frame-pump.ts';
import { LINK_LABEL, LinkError, type Link, type LinkHandlers } from './links/link.ts';
import { SocketIoLink } from './links/socketio-link.ts';
import { WebRtcLink } from './links/webrtc-link.ts';
import { WebSocketLink } from './links/websocket-link.ts';
import type { EdgePose } from './edge/edge-pose.ts';
import type { EdgePump } from './edge/edge-pump.ts';
import { log } from './log.ts';

export type Mode = 'auto' | 'webrtc' | 'legacy' | 'legacy-ws' | 'edge';
export const MODES: readonly Mode[] = ['auto', 'webrtc', 'legacy', 'legacy-ws', 'edge'];

/** WebRTC must have an open data channel within this long, or auto mode falls back to legacy frames. */
export const WEBRTC_CONNECT_TIMEOUT_MS = 8000;
/** The frame the server letterboxes WebRTC video into (config webrtcFrameWidth/Height defaults). */
const WEBRTC_FRAME = { width: 640, height: 360 } as const;

export interface ConnectionEvents {
  onMessage: (msg: ServerMessage) => void;
  onStatus: (text: string, isError?: boolean) => void;
  /** A link is up (or gone: null); the label names the wire, geometry maps its landmarks. */
  onLink: (link: { label: string; geometry: FrameGeometry } | null) => void;
  /** A new server session began: the page sends its declared exercise again. */
  onSessionStart: () => void;
  onEdgeEngine: (text: string) => void;
}

/**
 * Owns the link to the server and what feeds it (WebRTC video, legacy frame pump, edge pose loop):
 * WebRTC first, legacy frames when it cannot connect, and a forced mode on request.
 */
export class Connection {
  private link: Link | undefined;
  private pump: FramePump | EdgePump | undefined;
  private edge: EdgePose | undefined;
  /** Bumped on every start/stop: work of an older attempt notices and stops. */
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly stream: MediaStream,
    private readonly events: ConnectionEvents,
  ) {}

  send(msg: ClientMessage): boolean {
    return this.link?.send(msg) ?? false;
  }

  get edgeStats(): { poseMs: number | undefined } | undefined {
    const pump = this.pump;
    return pump && 'lastPoseMs' in pump ? { poseMs: pump.lastPoseMs } : undefined;
  }

  get roundTripMs(): number | undefined {
    return this.pump instanceof FramePump ? this.pump.lastRoundTripMs : undefined;
  }

  async start(mode: Mode): Promise<void> {
    await this.stop();
    const gen = ++this.generation;
    try {
      switch (mode) {
        case 'auto':
          if (await this.tryWebRtc(gen, true)) return;
          if (gen !== this.generation) return;
          await this.startLegacy(gen, 'socketio', true);
          return;
        case 'webrtc':
          await this.tryWebRtc(gen, false);
          return;
        case 'legacy':
          await this.startLegacy(gen, 'socketio', false);
          return;
        case 'legacy-ws':
          await this.startLegacy(gen, 'ws', false);
          return;
        case 'edge':
          await this.startEdge(gen);
          return;
      }
    } catch (err) {
      if (gen !== this.generation) return;
      this.events.onStatus(`Could not connect: ${describe(err)}`, true);
      this.events.onLink(null);
      this.retryTimer = setTimeout(() => void this.start(mode), 5000);
    }
  }

  async stop(): Promise<void> {
    this.generation++;
    clearTimeout(this.retryTimer);
    const pump = this.pump;
    const link = this.link;
    this.pump = undefined;
    this.link = undefined;
    await pump?.stop();
    await link?.close();
  }

  private handlers(gen: number, onDropped: () => void): LinkHandlers {
    return {
      onMessage: (msg) => {
        if (gen !== this.generation) return;
        if ((msg.type === 'workout' || msg.type === 'error') && this.pump instanceof FramePump)
          this.pump.onResult();
        this.events.onMessage(msg);
      },
      onDropped: (reason) => {
        if (gen !== this.generation) return;
        this.events.onStatus(`Connection lost (${reason}); reconnecting…`, true);
        onDropped();
      },
    };
  }

  /** True when WebRTC is up; false (after saying why) when it could not connect and a fallback may follow. */
  private async tryWebRtc(gen: number, fallback: boolean): Promise<boolean> {
    const track = this.stream.getVideoTracks()[0];
    if (!track) throw new LinkError('NO_CAMERA', 'the camera has no video track');
    this.events.onStatus('Connecting over WebRTC…');
    let link: WebRtcLink;
    try {
      link = await WebRtcLink.open(
        this.handlers(gen, () => void this.start(fallback ? 'auto' : 'webrtc')),
        { video: track, connectTimeoutMs: WEBRTC_CONNECT_TIMEOUT_MS },
      );
    } catch (err) {
      if (!fallback) throw err;
      this.events.onStatus(`WebRTC could not connect (${describe(err)}); using legacy frames.`, true);
      return false;
    }
    if (gen !== this.generation) {
      await link.close();
      return true;
    }
    this.adopt(link, { kind: 'letterbox', ...WEBRTC_FRAME });
    this.events.onStatus('Connected over WebRTC: video streams to the server.');
    return true;
  }

  private async startLegacy(gen: number, wire: 'socketio' | 'ws', isFallback: boolean): Promise<void> {
    const retry = (): void => void this.start(wire === 'ws' ? 'legacy-ws' : 'legacy');
    let link: Link;
    if (wire === 'socketio') {
      try {
        link = await SocketIoLink.open('legacy-socketio', this.handlers(gen, retry));
      } catch (err) {
        if (!isFallback) throw err;
        // socket.io itself is blocked (a proxy without its path): the seed's plain WebSocket endpoint.
        link = await WebSocketLink.open(this.handlers(gen, () => void this.start('legacy-ws')));
      }
    } else {
      link = await WebSocketLink.open(this.handlers(gen, retry));
    }
    if (gen !== this.generation) {
      await link.close();
      return;
    }
    this.adopt(link, { kind: 'same' });
    const pump = new FramePump(this.video, (msg) => link.send(msg));
    this.pump = pump;
    pump.start();
    if (!isFallback) this.events.onStatus(`Connected (${LINK_LABEL[link.kind]}): sending JPEG frames.`);
  }

  private async startEdge(gen: number): Promise<void> {
    if (!this.edge) {
      this.events.onStatus('Loading the pose model into this browser…');
      const { EdgePose, EDGE_BACKENDS } = await import('./edge/edge-pose.ts');
      const forced = new URLSearchParams(location.search).get('backend') ?? '';
      this.edge = await EdgePose.load(
        'lite',
        (line) => log.info(line),
        EDGE_BACKENDS.includes(forced) ? (forced as 'webgl' | 'wasm' | 'cpu') : undefined,
      );
    }
    const edge = this.edge;
    if (gen !== this.generation) return;
    const renderer = edge.info.renderer ? ` (${edge.info.renderer})` : '';
    this.events.onEdgeEngine(`${edge.info.model} · tfjs ${edge.info.backend}${renderer}`);
    this.events.onStatus('Connecting the data channel (no video leaves this device)…');
    let link: Link;
    try {
      link = await WebRtcLink.open(
        this.handlers(gen, () => void this.restartEdgeOverSocket()),
        {
          video: null,
          connectTimeoutMs: WEBRTC_CONNECT_TIMEOUT_MS,
        },
      );
    } catch (err) {
      if (gen !== this.generation) return;
      this.events.onStatus(
        `Edge mode over socket.io (the data channel was refused: ${describe(err)}). Only landmarks are sent.`,
      );
      await this.startEdgeOverSocket(gen);
      return;
    }
    if (gen !== this.generation) {
      await link.close();
      return;
    }
    await this.runEdge(link);
    this.events.onStatus('Edge mode: pose runs here; only landmarks are sent.');
  }

  /** The data channel dropped mid-session: carry on over socket.io (a new server session). */
  private async restartEdgeOverSocket(): Promise<void> {
    await this.stop();
    const gen = ++this.generation;
    try {
      await this.startEdgeOverSocket(gen);
    } catch (err) {
      if (gen !== this.generation) return;
      this.events.onStatus(`Could not connect: ${describe(err)}`, true);
      this.events.onLink(null);
      this.retryTimer = setTimeout(() => void this.start('edge'), 5000);
    }
  }

  /** Edge mode's fallback wire. */
  private async startEdgeOverSocket(gen: number): Promise<void> {
    const link = await SocketIoLink.open(
      'edge-socketio',
      this.handlers(gen, () => void this.start('edge')),
    );
    if (gen !== this.generation) {
      await link.close();
      return;
    }
    await this.runEdge(link);
  }

  private async runEdge(link: Link): Promise<void> {
    const edge = this.edge;
    if (!edge) return;
    edge.reset();
    this.adopt(link, { kind: 'same' });
    const { EdgePump } = await import('./edge/edge-pump.ts');
    const pump = new EdgePump(edge, this.video, (msg) => link.send(msg));
    this.pump = pump;
    pump.start();
  }

  private adopt(link: Link, geometry: FrameGeometry): void {
    this.link = link;
    this.events.onLink({ label: LINK_LABEL[link.kind], geometry });
    this.events.onSessionStart();
  }
}

function describe(err: unknown): string {
  if (err instanceof LinkError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

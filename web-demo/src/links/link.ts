import type { ClientMessage, ServerMessage } from '../protocol.ts';

/** How results reach the page. `edge` is the WebRTC link without video, carrying landmarks. */
export type LinkKind = 'webrtc' | 'edge-webrtc' | 'legacy-socketio' | 'legacy-ws' | 'edge-socketio';

export const LINK_LABEL: Readonly<Record<LinkKind, string>> = {
  webrtc: 'WebRTC',
  'edge-webrtc': 'Edge · data channel',
  'legacy-socketio': 'Legacy · socket.io',
  'legacy-ws': 'Legacy · WebSocket',
  'edge-socketio': 'Edge · socket.io',
};

export interface LinkHandlers {
  onMessage: (msg: ServerMessage) => void;
  /** The link ended without close() being called (server hangup, network loss). */
  onDropped: (reason: string) => void;
}

/** One live connection to the server, whatever the wire. */
export interface Link {
  readonly kind: LinkKind;
  /** Whether the server sees our camera video on this link (WebRTC media), rather than frames we send. */
  readonly carriesVideo: boolean;
  send(msg: ClientMessage): boolean;
  /** Ends the link; idempotent. A summary, when the server sends one at hangup, still arrives first. */
  close(): Promise<void>;
}

export class LinkError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, code: string, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new LinkError(code, `${what} took longer than ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

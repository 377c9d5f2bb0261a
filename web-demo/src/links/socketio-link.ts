import type { ClientMessage, ServerMessage } from '../protocol.ts';
import { parseServerMessage } from '../protocol.ts';
import type { Link, LinkHandlers, LinkKind } from './link.ts';
import { connectSocket, type WorkoutSocket } from './socket.ts';

/**
 * Legacy mode over socket.io: the server's events are named after the message types, and every
 * client message goes as the whole envelope on `message` (which also carries edge-mode landmarks).
 */
export class SocketIoLink implements Link {
  readonly carriesVideo = false;
  private closed = false;

  private constructor(
    readonly kind: LinkKind,
    private readonly socket: WorkoutSocket,
    handlers: LinkHandlers,
  ) {
    const deliver = (type: ServerMessage['type'], payload: unknown): void => {
      const msg = parseServerMessage({ type, payload });
      if (msg) handlers.onMessage(msg);
    };
    socket.on('workout', (p) => deliver('workout', p));
    socket.on('system', (p) => deliver('system', p));
    socket.on('error', (p) => deliver('error', p));
    socket.on('summary', (p) => deliver('summary', p));
    socket.on('disconnect', (reason) => {
      if (!this.closed) handlers.onDropped(`socket.io: ${reason}`);
    });
  }

  static async open(kind: LinkKind, handlers: LinkHandlers, timeoutMs = 8000): Promise<SocketIoLink> {
    return new SocketIoLink(kind, await connectSocket(timeoutMs), handlers);
  }

  send(msg: ClientMessage): boolean {
    if (this.closed || !this.socket.connected) return false;
    this.socket.emit('message', msg);
    return true;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.socket.disconnect();
    }
    return Promise.resolve();
  }
}

import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { errorMessage, type ClientToServerEvents, type ServerMessage, type ServerToClientEvents } from '../../signaling/index.ts';
import type { AppContext } from './app-context.ts';
import { ClientConnection } from './client-connection.ts';

type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

const LEGACY_EVENTS = ['frame', 'reset', 'get_summary', 'set_exercise'] as const;

/** socket.io on the shared HTTP server: legacy events named after the message types. */
export class SocketIoEndpoint {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;

  constructor(
    private readonly ctx: AppContext,
    server: HttpServer,
  ) {
    this.io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
      maxHttpBufferSize: ctx.config.maxMessageBytes,
      serveClient: true,
      cors: { origin: true },
    });
    this.io.on('connection', (socket) => this.accept(socket));
  }

  private accept(socket: IoSocket): void {
    const send = (msg: ServerMessage): boolean => {
      if (!socket.connected) return false;
      // Newest result wins over a slow client: drop workout results rather than buffer them.
      if (msg.type === 'workout') socket.volatile.emit('workout', msg.payload);
      else this.emit(socket, msg);
      return true;
    };
    if (this.ctx.isDraining()) {
      send(errorMessage('SERVER_DRAINING'));
      socket.disconnect(true);
      return;
    }
    const conn = new ClientConnection(this.ctx, 'socketio', { send, close: () => socket.disconnect(true) });
    for (const type of LEGACY_EVENTS) {
      socket.on(type, (payload?: unknown) => conn.onMessage(payload === undefined ? { type } : { type, payload }));
    }
    socket.on('message', (envelope: unknown) => conn.onMessage(envelope));
    socket.on('disconnect', (reason) => conn.close(reason === 'transport close' || reason === 'client namespace disconnect' ? 'client_closed' : 'failed'));
  }

  private emit(socket: IoSocket, msg: ServerMessage): void {
    switch (msg.type) {
      case 'workout':
        socket.emit('workout', msg.payload);
        return;
      case 'system':
        socket.emit('system', msg.payload);
        return;
      case 'error':
        socket.emit('error', msg.payload);
        return;
      case 'summary':
        socket.emit('summary', msg.payload);
        return;
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      void this.io.close(() => resolve());
    });
  }
}

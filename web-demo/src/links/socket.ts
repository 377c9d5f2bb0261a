import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../protocol.ts';
import { LinkError, withTimeout } from './link.ts';

export type WorkoutSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects socket.io to the page's own server (WebSocket transport only: no long-polling fallback). */
export async function connectSocket(timeoutMs: number): Promise<WorkoutSocket> {
  const socket: WorkoutSocket = io({ transports: ['websocket'], reconnection: false, timeout: timeoutMs });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err) => reject(new LinkError('SOCKET_FAILED', err.message)));
      }),
      timeoutMs,
      'SOCKET_TIMEOUT',
      'socket.io connection',
    );
  } catch (err) {
    socket.disconnect();
    throw err;
  }
  return socket;
}

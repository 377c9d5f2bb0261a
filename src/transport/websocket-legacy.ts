import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { errorMessage, type ServerMessage } from '../../signaling/index.ts';
import type { EndReason } from '../metrics/metrics.ts';
import type { AppContext } from './app-context.ts';
import { Authenticator } from './auth.ts';
import { ClientConnection } from './client-connection.ts';

export const LEGACY_WS_PATH = '/ws/workout/';
/** Results are dropped (newest wins) rather than buffered past this much unsent data. */
const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;

const CLOSE_CODES: Readonly<Record<EndReason, number>> = {
  client_closed: 1000,
  server_shutdown: 1001,
  flood: 1008,
  oversize: 1009,
  timeout: 1000,
  failed: 1011,
};

export function rawDataToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/**
 * The original service's endpoint: a plain WebSocket at /ws/workout/ carrying the seed's
 * `{"type", "payload"}` envelope, so seed-era clients work unchanged.
 */
export class LegacyWebSocketEndpoint {
  private readonly wss: WebSocketServer;

  constructor(
    private readonly ctx: AppContext,
    server: Server,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: ctx.config.maxMessageBytes });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      // socket.io handles its own upgrades on /socket.io/.
      if (path !== LEGACY_WS_PATH && path !== LEGACY_WS_PATH.slice(0, -1)) {
        if (!path.startsWith('/socket.io')) socket.destroy();
        return;
      }
      void this.authorize(req, socket).then((ok) => {
        if (ok) this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req.socket.remoteAddress ?? 'unknown'));
      });
    });
  }

  /** Token and origin are checked on the upgrade request, before a WebSocket or a session exists. */
  private async authorize(req: IncomingMessage, socket: Duplex): Promise<boolean> {
    const result = await this.ctx.auth.verify(Authenticator.tokenFromRequest(req), req.headers.origin);
    if (result.ok) return true;
    this.ctx.onAuthReject(result.reason);
    const status = result.reason === 'origin' ? '403 Forbidden' : '401 Unauthorized';
    const body = JSON.stringify(errorMessage('UNAUTHORIZED', result.message));
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return false;
  }

  private accept(ws: WebSocket, address: string): void {
    const send = (msg: ServerMessage): boolean => {
      if (ws.readyState !== ws.OPEN) return false;
      if (msg.type === 'workout' && ws.bufferedAmount > MAX_BUFFERED_BYTES) return false;
      ws.send(JSON.stringify(msg));
      return true;
    };
    const refusal = this.ctx.admit(address);
    if (refusal) {
      send(errorMessage(refusal));
      ws.close(1013, refusal === 'SERVER_DRAINING' ? 'server draining' : 'session limit');
      return;
    }
    ws.once('close', () => this.ctx.leave(address));
    const conn = new ClientConnection(this.ctx, 'websocket', {
      send,
      close: (reason) => {
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(CLOSE_CODES[reason]);
        // A client that ignores the close handshake must not hold the socket.
        setTimeout(() => ws.terminate(), 2000).unref();
      },
    });
    // Text is what the protocol speaks; a binary frame is read as UTF-8 and fails parsing if it is not JSON.
    ws.on('message', (data) => conn.onMessage(rawDataToText(data)));
    conn.greet();
    // A normal close (1000) ends the workout; any other (1006: the network dropped) keeps it resumable.
    ws.on('close', (code) => conn.close(code === 1009 ? 'oversize' : 'client_closed', code === 1000 || code === 1009 ? 'finish' : 'park'));
    ws.on('error', (err) => {
      this.ctx.logger.info({ sessionId: conn.session.id, err: err.message }, 'websocket error; closing');
      conn.close(err.message.includes('Max payload') ? 'oversize' : 'failed');
    });
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

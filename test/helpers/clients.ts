import WebSocket from 'ws';
import { io, type Socket } from 'socket.io-client';
import { serverMessageSchema, type ServerMessage } from '../../signaling/index.ts';
import { rawDataToText } from '../../src/transport/websocket-legacy.ts';

/** Collects every server message, validating each against the protocol schema. */
export class MessageLog {
  readonly messages: ServerMessage[] = [];
  readonly invalid: unknown[] = [];
  private waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];

  push(raw: unknown): void {
    const parsed = serverMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.invalid.push(raw);
      return;
    }
    this.messages.push(parsed.data);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(parsed.data)) return true;
      w.resolve(parsed.data);
      return false;
    });
  }

  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  /** The next message (from now, or already seen after index `from`) matching `pred`. */
  waitFor(pred: (m: ServerMessage) => boolean, timeoutMs = 15_000, from = 0): Promise<ServerMessage> {
    const seen = this.messages.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a message; got ${this.messages.map((m) => m.type).join(',')}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  errorCode(from = 0): Promise<string> {
    return this.waitFor((m) => m.type === 'error', 15_000, from).then((m) => (m.type === 'error' ? m.payload.code : ''));
  }
}

export interface WsClient {
  ws: WebSocket;
  log: MessageLog;
  send: (msg: unknown) => void;
  closed: Promise<number>;
}

export async function connectWs(baseUrl: string): Promise<WsClient> {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws/workout/`);
  const log = new MessageLog();
  ws.on('message', (data) => log.push(JSON.parse(rawDataToText(data))));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, log, send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)), closed };
}

export interface IoClient {
  socket: Socket;
  log: MessageLog;
}

export async function connectIo(baseUrl: string): Promise<IoClient> {
  const socket = io(baseUrl, { transports: ['websocket'], reconnection: false, forceNew: true });
  const log = new MessageLog();
  for (const type of ['workout', 'system', 'error', 'summary'] as const) {
    socket.on(type, (payload: unknown) => log.push({ type, payload }));
  }
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, log };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server, type Socket } from 'socket.io';
import {
  errorMessage,
  iceCandidateSchema,
  sessionDescriptionSchema,
  type ClientToServerEvents,
  type ErrorCode,
  type ServerMessage,
  type ServerToClientEvents,
} from '../../signaling/index.ts';
import type { FfmpegBinary } from '../media/ffmpeg/ffmpeg-path.ts';
import type { AppContext } from './app-context.ts';
import { ClientConnection } from './client-connection.ts';
import { CallError, WebRtcCall } from './webrtc-call.ts';

type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

const LEGACY_EVENTS = ['frame', 'reset', 'get_summary', 'set_exercise', 'resume'] as const;

/**
 * socket.io on the shared HTTP server: legacy events named after the message types, and WebRTC
 * signaling (`offer` with an ack carrying the answer, optional trickle `ice-candidate`, `hangup`).
 */
export class SocketIoEndpoint {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  private redisClients: { isReady: boolean; close: () => Promise<void>; destroy: () => void }[] = [];
  private closing = false;

  constructor(
    private readonly ctx: AppContext,
    server: HttpServer,
    private readonly ffmpeg: () => FfmpegBinary,
  ) {
    this.io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
      maxHttpBufferSize: ctx.config.maxMessageBytes,
      serveClient: true,
      cors: { origin: ctx.config.allowedOrigins.length > 0 ? [...ctx.config.allowedOrigins] : true },
    });
    // Before any session or peer connection: the handshake carries the token (auth.token, or ?token=).
    this.io.use((socket, next) => {
      const { auth, query, headers } = socket.handshake;
      const fromAuth = (auth as { token?: unknown }).token;
      const token = typeof fromAuth === 'string' ? fromAuth : typeof query.token === 'string' ? query.token : undefined;
      void ctx.auth.verify(token, headers.origin).then((result) => {
        if (result.ok) return next();
        ctx.onAuthReject(result.reason);
        const err = new Error(result.message) as Error & { data?: unknown };
        err.data = { code: 'UNAUTHORIZED', reason: result.reason };
        next(err);
      });
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
    const address = socket.handshake.address;
    const refusal = this.ctx.admit(address);
    if (refusal) {
      send(errorMessage(refusal));
      socket.disconnect(true);
      return;
    }
    socket.once('disconnect', () => this.ctx.leave(address));
    const conn = new ClientConnection(this.ctx, 'socketio', { send, close: () => socket.disconnect(true) });
    for (const type of LEGACY_EVENTS) {
      socket.on(type, (payload?: unknown) => conn.onMessage(payload === undefined ? { type } : { type, payload }));
    }
    socket.on('message', (envelope: unknown) => conn.onMessage(envelope));
    conn.greet();
    const calls = this.acceptCalls(socket);
    socket.on('disconnect', (reason) => {
      // Only the client's own disconnect() ends the workout; a dropped transport keeps it resumable.
      const disposition = reason === 'client namespace disconnect' ? 'finish' : 'park';
      conn.close(reason === 'transport close' || reason === 'client namespace disconnect' ? 'client_closed' : 'failed', disposition);
      for (const call of calls) void call.hangup('client_closed', disposition);
    });
  }

  private acceptCalls(socket: IoSocket): Set<WebRtcCall> {
    const calls = new Set<WebRtcCall>();
    let starting = 0;
    const { config, logger } = this.ctx;
    socket.on('offer', (offer: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const reply = ack as (value: unknown) => void;
      const refuse = (code: ErrorCode, message: string): void => {
        this.ctx.metrics.errorsSent.inc({ code });
        this.ctx.metrics.reject(code);
        reply({ error: { code, message } });
      };
      if (this.ctx.isDraining()) return refuse('SERVER_DRAINING', 'server is shutting down');
      // Calls still negotiating count too: a burst of offers must not slip past the cap.
      if (calls.size + starting >= config.maxPeersPerSocket) return refuse('PEER_LIMIT', `at most ${config.maxPeersPerSocket} per connection`);
      const parsed = sessionDescriptionSchema.safeParse(offer);
      if (!parsed.success || parsed.data.type !== 'offer') return refuse('SDP_INVALID', 'expected {type: "offer", sdp}');
      starting++;
      WebRtcCall.start(this.ctx, this.ffmpeg(), parsed.data, {
        onEnded: (call) => calls.delete(call),
        onFailure: (code, message) => this.emit(socket, errorMessage(code, message)),
      }).then(
        ({ call, answer }) => {
          starting--;
          calls.add(call);
          if (!socket.connected) void call.hangup();
          reply(answer);
        },
        (err: Error) => {
          starting--;
          if (err instanceof CallError) return refuse(err.code, err.message);
          logger.error({ err: err.message }, 'could not start a WebRTC call');
          refuse('INTERNAL', 'could not start the call');
        },
      );
    });
    socket.on('ice-candidate', (candidate: unknown) => {
      const parsed = iceCandidateSchema.safeParse(candidate);
      if (!parsed.success) return;
      for (const call of calls) {
        call.addIceCandidate(parsed.data).catch((err: Error) => logger.debug({ err: err.message }, 'bad ICE candidate'));
      }
    });
    socket.on('hangup', () => {
      for (const call of calls) void call.hangup();
    });
    return calls;
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

  /**
   * Shares this namespace with the other instances through Redis (broadcasts, rooms, fetchSockets).
   * Each client's session stays on the pod it connected to; see docs/deploy.md on transports. Start-up
   * does not wait for Redis: the adapter goes in once both connections answer (clients that arrive
   * before that stay reachable only on this pod).
   */
  useRedis(url: string): void {
    const pub = createClient({ url });
    const sub = pub.duplicate();
    for (const client of [pub, sub]) {
      // Without a listener a lost connection would throw; node-redis reconnects by itself. One line per outage, not per retry.
      let reported = false;
      client.on('error', (err: Error) => {
        if (!reported) this.ctx.logger.warn({ err: err.message }, 'redis connection lost; reconnecting');
        reported = true;
      });
      client.on('ready', () => {
        if (reported) this.ctx.logger.info('redis reconnected');
        reported = false;
      });
    }
    this.redisClients = [pub, sub];
    Promise.all([pub.connect(), sub.connect()]).then(
      () => {
        if (this.closing) return;
        this.io.adapter(createAdapter(pub, sub));
        this.ctx.logger.info('socket.io shares its namespace through Redis');
      },
      (err: Error) => {
        if (!this.closing) this.ctx.logger.error({ err: err.message }, 'could not connect to Redis');
      },
    );
  }

  async close(): Promise<void> {
    this.closing = true;
    // The adapter unsubscribes on close; with Redis away that would wait for a reconnect forever.
    const [live, away] = [this.redisClients.filter((c) => c.isReady), this.redisClients.filter((c) => !c.isReady)];
    for (const client of away) client.destroy();
    await new Promise<void>((resolve) => {
      void this.io.close(() => resolve());
    });
    await Promise.allSettled(live.map((client) => client.close()));
  }
}

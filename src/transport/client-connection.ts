import { errorMessage, type ServerMessage } from '../../signaling/index.ts';
import type { EndReason, Transport } from '../metrics/metrics.ts';
import { TokenBucket } from '../session/rate-limiter.ts';
import { Session } from '../session/session.ts';
import type { AppContext } from './app-context.ts';

/** The wire under a connection: sending returns false when the client is too slow to take more. */
export interface Wire {
  send: (msg: ServerMessage) => boolean;
  close: (reason: EndReason) => void;
}

/**
 * One legacy-protocol connection (plain WebSocket or socket.io): rate limiting, then the session.
 * Owns the session and closes it exactly once, whichever side ends first.
 */
export class ClientConnection {
  readonly session: Session;
  private readonly bucket: TokenBucket;
  private lastLimitedNoticeMs = -Infinity;
  private closed = false;
  private readonly untrack: () => void;

  constructor(
    private readonly ctx: AppContext,
    private readonly transport: Transport,
    private readonly wire: Wire,
  ) {
    this.bucket = new TokenBucket(ctx.config.rateLimitPerSecond, ctx.config.rateLimitBurst);
    this.session = new Session({
      config: ctx.config,
      pool: ctx.pool,
      metrics: ctx.metrics,
      logger: ctx.logger,
      transport,
      analyzer: ctx.createAnalyzer(),
      exercises: ctx.exercises,
      send: (msg) => !this.closed && wire.send(msg),
    });
    this.untrack = ctx.track({ drain: () => this.drain(), close: () => this.close('server_shutdown'), transport });
  }

  /** Sends the `system` greeting; the transport calls it once the client can hear it. */
  greet(): void {
    if (!this.closed) this.wire.send(this.session.systemMessage());
  }

  onMessage(raw: unknown): void {
    if (this.closed) return;
    const arrivalMs = performance.now();
    const verdict = this.bucket.take();
    if (verdict === 'abusive') {
      this.session.sendError('RATE_LIMITED', 'message flood; disconnecting');
      this.ctx.logger.warn({ sessionId: this.session.id }, 'client flooded past its rate limit; disconnected');
      this.close('flood');
      return;
    }
    if (verdict === 'limited') {
      this.ctx.metrics.framesDropped.inc({ transport: this.transport, reason: 'rate_limited' });
      this.ctx.metrics.reject('RATE_LIMITED');
      if (arrivalMs - this.lastLimitedNoticeMs > 1000) {
        this.lastLimitedNoticeMs = arrivalMs;
        this.session.sendError('RATE_LIMITED', `over ${this.ctx.config.rateLimitPerSecond} messages/s`);
      }
      return;
    }
    this.session.handleRaw(raw, arrivalMs);
  }

  /** Server shutdown: the client gets its summary and a retryable notice before the close. */
  private drain(): void {
    if (this.closed) return;
    this.wire.send(this.session.summaryMessage());
    this.wire.send(errorMessage('SERVER_DRAINING'));
  }

  /** The wire closed or must close; idempotent. */
  close(reason: EndReason): void {
    if (this.closed) return;
    this.closed = true;
    this.untrack();
    if (reason === 'oversize') this.ctx.metrics.reject('MESSAGE_TOO_LARGE');
    this.session.close(reason);
    this.wire.close(reason);
  }
}

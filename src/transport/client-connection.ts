import { errorMessage, parseClientMessage, type ServerMessage } from '../../signaling/index.ts';
import type { EndReason, Transport } from '../metrics/metrics.ts';
import { TokenBucket } from '../session/rate-limiter.ts';
import type { ResumeService } from '../session/resume-service.ts';
import { Session } from '../session/session.ts';
import type { AppContext } from './app-context.ts';

/**
 * What becomes of the session when its connection ends: `finish` (the client ended it) stores it as
 * finished; `park` (the connection dropped, or the server is going away) keeps it resumable for
 * RESUME_WINDOW_MS on any pod, then it is stored as abandoned.
 */
export type Disposition = 'finish' | 'park';

/** Messages held while a resume is in flight (replayed to whichever session wins); more are dropped. */
const MAX_HELD_DURING_RESUME = 64;

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
  private current: Session;
  private resumeToken: string;
  /** Non-null while a resume is in flight. */
  private heldDuringResume: unknown[] | null = null;
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
    this.current = this.newSession();
    this.resumeToken = ctx.resume.open(this.current, () => this.close('client_closed', 'park'));
    this.untrack = ctx.track({ drain: () => this.drain(), close: () => this.close('server_shutdown'), transport });
  }

  get session(): Session {
    return this.current;
  }

  private newSession(id?: string): Session {
    return new Session({
      config: this.ctx.config,
      pool: this.ctx.pool,
      metrics: this.ctx.metrics,
      logger: this.ctx.logger,
      transport: this.transport,
      analyzer: this.ctx.createAnalyzer(),
      exercises: this.ctx.exercises,
      send: (msg) => !this.closed && this.wire.send(msg),
      recorder: this.ctx.resume,
      ...(id !== undefined ? { id } : {}),
    });
  }

  /** The `system` message with the token that resumes this session. */
  private systemWithToken(status: 'initialized' | 'resumed', message?: string): ServerMessage {
    const msg = this.current.systemMessage(status, message);
    return msg.type === 'system' ? { ...msg, payload: { ...msg.payload, resume_token: this.resumeToken } } : msg;
  }

  /** Sends the `system` greeting; the transport calls it once the client can hear it. */
  greet(): void {
    if (!this.closed) this.wire.send(this.systemWithToken('initialized'));
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
    if (this.heldDuringResume) {
      if (this.heldDuringResume.length < MAX_HELD_DURING_RESUME) this.heldDuringResume.push(raw);
      return;
    }
    this.dispatch(raw, arrivalMs);
  }

  private dispatch(raw: unknown, arrivalMs: number): void {
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) this.current.sendError(parsed.code, parsed.detail);
    else if (parsed.message.type === 'resume') void this.resume(parsed.message.payload.session_id, parsed.message.payload.resume_token);
    else this.current.handle(parsed.message, arrivalMs);
  }

  /**
   * Continues a dropped session on this connection. On success the fresh session is ended (it leaves
   * no history if it saw no frame) and the client gets `system` status `resumed` with a new token;
   * otherwise RESUME_INVALID, and the fresh session goes on.
   */
  private async resume(sessionId: string, token: string): Promise<void> {
    this.heldDuringResume = [];
    let claimed: Awaited<ReturnType<ResumeService['claim']>> = null;
    try {
      claimed = sessionId === this.current.id ? null : await this.ctx.resume.claim(sessionId, token);
    } catch (err) {
      this.ctx.logger.error({ sessionId, err: (err as Error).message }, 'resume failed');
    }
    const held = this.heldDuringResume;
    this.heldDuringResume = null;
    if (claimed) {
      const fresh = this.current;
      const resumed = this.newSession(claimed.id);
      resumed.restoreState(claimed.state);
      this.current = resumed;
      this.resumeToken = claimed.token;
      this.ctx.resume.adopt(resumed, claimed, () => this.close('client_closed', 'park'));
      this.ctx.resume.finish(fresh, 'resumed_other');
      fresh.close('client_closed');
      if (this.closed) {
        // The client left while its resume was in flight: keep the session resumable.
        this.ctx.resume.park(resumed);
        resumed.close('client_closed');
        return;
      }
      this.ctx.logger.info({ sessionId: resumed.id, transport: this.transport }, 'session resumed');
      this.wire.send(this.systemWithToken('resumed', 'Session resumed'));
    } else if (!this.closed) {
      this.current.sendError('RESUME_INVALID', 'unknown session, wrong token or window passed');
    }
    for (const raw of held) if (!this.closed) this.dispatch(raw, performance.now());
  }

  /** Server shutdown: the client gets its summary and a retryable notice before the close. */
  private drain(): void {
    if (this.closed) return;
    this.wire.send(this.session.summaryMessage());
    this.wire.send(errorMessage('SERVER_DRAINING'));
  }

  /**
   * The wire closed or must close; idempotent. Unless told, a client's own close finishes the session
   * and anything else (a failure, a timeout, shutdown, any close while draining) parks it for resume.
   */
  close(reason: EndReason, disposition?: Disposition): void {
    if (this.closed) return;
    this.closed = true;
    this.untrack();
    const parked = disposition ?? (this.ctx.isDraining() || reason === 'server_shutdown' || reason === 'timeout' || reason === 'failed' ? 'park' : 'finish');
    if (parked === 'park' && reason !== 'flood') this.ctx.resume.park(this.current);
    else this.ctx.resume.finish(this.current, reason);
    if (reason === 'oversize') this.ctx.metrics.reject('MESSAGE_TOO_LARGE');
    this.session.close(reason);
    this.wire.close(reason);
  }
}

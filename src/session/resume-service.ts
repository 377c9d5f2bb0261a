/**
 * Sessions that outlive their connection. Every session is recorded in the history store as it goes
 * (a row at start, each completed rep, its end) and, while it may still be resumed, with a hashed token
 * and a snapshot of its counted state. A client that lost its connection presents the token on any pod;
 * the store hands the session over atomically (a new lease fences off the old holder's writes).
 * See docs/adr-sessions.md.
 */
import type { RepRecordMessage, SummaryPayload } from '../../signaling/index.ts';
import type { Logger } from '../log.ts';
import type { HistoryStore, SessionRecord, SessionStatus, SessionWrite } from '../store/history-store.ts';
import { WriteQueue } from '../store/write-queue.ts';
import { hashResumeToken, isWellFormedResumeToken, newResumeToken } from './resume-token.ts';
import { decodeSessionState, encodeSessionState } from './resume-snapshot.ts';
import type { Session, SessionRecorder, SessionState } from './session.ts';

export interface ResumeServiceOptions {
  /** Resolves once the store is open; writes wait for it. */
  store: Promise<HistoryStore>;
  /** How long a dropped session stays resumable (RESUME_WINDOW_MS). */
  windowMs: number;
  logger: Logger;
}

/** A session handed over by `claim`: restore it into a new Session, then `adopt` it. */
export interface ClaimedSession {
  id: string;
  lease: number;
  state: SessionState;
  /** The rotated token the client resumes with next time. */
  token: string;
  tokenHash: string;
}

function summaryOf(session: Session): SummaryPayload {
  const msg = session.summaryMessage();
  if (msg.type !== 'summary') throw new Error('summaryMessage() returned no summary');
  return msg.payload;
}

interface Held {
  session: Session;
  lease: number;
  tokenHash: string;
  /** Closes the connection that holds the session (another connection resumed it). */
  evict: () => void;
}

export class ResumeService implements SessionRecorder {
  private readonly queue: WriteQueue;
  private readonly held = new Map<string, Held>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: ResumeServiceOptions) {
    // A store that fails to open is reported by the app (readiness); here it only must not go unhandled.
    options.store.catch(() => undefined);
    this.queue = new WriteQueue(options.store, options.logger);
    // Any pod sweeps: the pod that parked a session may be gone when its window ends.
    const every = Math.min(30_000, Math.max(1_000, options.windowMs / 2));
    this.sweeper = setInterval(() => void this.sweep(), every);
    this.sweeper.unref();
    void this.sweep();
  }

  private async sweep(): Promise<void> {
    if (this.closed) return;
    try {
      const store = await this.options.store;
      const n = await store.expire(Date.now());
      if (n > 0)
        this.options.logger.info({ sessions: n }, 'resume windows ended; sessions stored as abandoned');
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'could not expire resumable sessions');
    }
  }

  /** A new session on a connection: records it and returns the token to resume it with. */
  open(session: Session, evict: () => void): string {
    const token = newResumeToken();
    const held: Held = { session, lease: 0, tokenHash: hashResumeToken(token), evict };
    this.held.set(session.id, held);
    this.queue.enqueue([this.save(held, 'active', null)]);
    return token;
  }

  /** A resumed session now lives on this connection. */
  adopt(session: Session, claimed: ClaimedSession, evict: () => void): void {
    this.held.set(session.id, { session, lease: claimed.lease, tokenHash: claimed.tokenHash, evict });
  }

  repCompleted(session: Session, rep: RepRecordMessage | undefined): void {
    const held = this.held.get(session.id);
    if (!held) return;
    try {
      const reps = rep ? [rep] : (summaryOf(session).reps ?? []);
      // The snapshot goes with each rep: a pod that dies mid-set leaves a session resumable up to its last rep.
      this.queue.enqueue([
        this.save(held, 'active', null),
        { kind: 'reps', sessionId: session.id, lease: held.lease, reps },
      ]);
    } catch (err) {
      this.options.logger.error(
        { sessionId: session.id, err: (err as Error).message },
        'could not record a rep',
      );
    }
  }

  reset(session: Session): void {
    const held = this.held.get(session.id);
    if (!held) return;
    this.queue.enqueue([
      { kind: 'clear_reps', sessionId: session.id, lease: held.lease },
      this.save(held, 'active', null),
    ]);
  }

  /** The connection dropped: the session stays resumable for the window, then is stored as abandoned. */
  park(session: Session): void {
    const held = this.take(session);
    if (!held) return;
    this.queue.enqueue([this.save(held, 'disconnected', null), this.allReps(held)]);
  }

  /** The client ended the session (or resumed another one): stored as finished; one that saw no frame leaves nothing. */
  finish(session: Session, reason: string): void {
    const held = this.take(session);
    if (!held) return;
    if (session.frameCount === 0) {
      this.queue.enqueue([{ kind: 'discard', sessionId: session.id, lease: held.lease }]);
      return;
    }
    this.queue.enqueue([this.save(held, 'finished', reason), this.allReps(held)]);
  }

  /**
   * Takes over a resumable session with its token: null when the id, the token or the window is wrong.
   * A connection on this pod still holding the session (it has not noticed its client left) is closed
   * first, so its latest state is what resumes.
   */
  async claim(sessionId: string, token: string): Promise<ClaimedSession | null> {
    if (this.closed || !isWellFormedResumeToken(token)) return null;
    const tokenHash = hashResumeToken(token);
    const local = this.held.get(sessionId);
    if (local && local.tokenHash === tokenHash) local.evict();
    await this.queue.flush();
    const store = await this.options.store;
    const newToken = newResumeToken();
    const newTokenHash = hashResumeToken(newToken);
    const claimed = await store.claim(sessionId, tokenHash, newTokenHash, Date.now());
    if (!claimed) return null;
    const state = claimed.record.snapshot === null ? null : decodeSessionState(claimed.record.snapshot);
    if (!state) {
      this.options.logger.error(
        { sessionId },
        'a claimed session has no usable snapshot; it cannot be resumed',
      );
      return null;
    }
    return { id: sessionId, lease: claimed.lease, state, token: newToken, tokenHash: newTokenHash };
  }

  /** Writes everything queued (shutdown, tests). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Stops the sweeper and writes what is queued; the app closes the store afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await this.queue.flush();
  }

  private take(session: Session): Held | undefined {
    const held = this.held.get(session.id);
    // Only the holder of this very Session object: after a resume on this pod, the old object is stale.
    if (!held || held.session !== session) return undefined;
    this.held.delete(session.id);
    return held;
  }

  private allReps(held: Held): SessionWrite {
    const reps = summaryOf(held.session).reps ?? [];
    return { kind: 'reps', sessionId: held.session.id, lease: held.lease, reps };
  }

  private save(held: Held, status: SessionStatus, endReason: string | null): SessionWrite {
    const { session } = held;
    const state = session.state();
    // Reps go to their own rows; the id is the row's.
    const summary = { ...summaryOf(session) };
    delete summary.reps;
    delete summary.session_id;
    const resumable = status === 'active' || status === 'disconnected';
    const record: SessionRecord = {
      id: session.id,
      status,
      transport: session.transport,
      startedAt: state.startedAtMs,
      endedAt: resumable ? null : Date.now(),
      endReason,
      summary,
      resume: resumable
        ? {
            tokenHash: held.tokenHash,
            expiresAt: status === 'disconnected' ? Date.now() + this.options.windowMs : null,
          }
        : null,
      snapshot: resumable ? encodeSessionState(state) : null,
    };
    return { kind: 'save', lease: held.lease, session: record };
  }
}

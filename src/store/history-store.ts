/**
 * The workout history: one interface, two databases (SQLite by default, PostgreSQL for several pods;
 * see sql-history-store.ts and open-store.ts). It also holds what a dropped session needs to be resumed
 * on any pod — a hashed resume token, an expiry and a snapshot of the counted state — so resume does
 * not depend on the memory of the process that served the session (docs/adr-sessions.md).
 */
import type { RepRecordMessage, SummaryPayload } from '../../signaling/index.ts';

/**
 * `active`: a connection holds it. `disconnected`: dropped, resumable until `resume.expiresAt`.
 * `finished`: the client ended it. `abandoned`: not resumed in time (an expired `disconnected` row
 * reads as `abandoned` even before the sweeper has rewritten it).
 */
export type SessionStatus = 'active' | 'disconnected' | 'finished' | 'abandoned';

/** The summary without its per-rep list (reps live in their own table). */
export type SessionTotals = Omit<SummaryPayload, 'reps' | 'session_id'>;

/** One session as the live server writes it. */
export interface SessionRecord {
  id: string;
  status: SessionStatus;
  transport: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number | null;
  endReason: string | null;
  summary: SessionTotals;
  /** Present while the session can be resumed; `expiresAt` null while a connection holds it. */
  resume: { tokenHash: string; expiresAt: number | null } | null;
  /** The counted state for resume (JSON, opaque to the store), kept while resumable. */
  snapshot: string | null;
}

/**
 * Writes are fenced by a lease: each claim of a session (its start, each resume) gets a higher number,
 * and a write carrying an older lease changes nothing, so a pod still holding a stale connection cannot
 * overwrite the session another pod resumed.
 */
export type SessionWrite =
  | { kind: 'save'; lease: number; session: SessionRecord }
  /** Upserts by (exercise, index): writing a rep twice is harmless. */
  | { kind: 'reps'; sessionId: string; lease: number; reps: readonly RepRecordMessage[] }
  /** The client reset its session: the reps counted so far are gone. */
  | { kind: 'clear_reps'; sessionId: string; lease: number }
  /** A session that never saw a frame is no workout: it leaves no history. */
  | { kind: 'discard'; sessionId: string; lease: number };

export interface SessionListItem {
  id: string;
  status: SessionStatus;
  transport: string;
  startedAt: number;
  endedAt: number | null;
  durationS: number;
  totalFrames: number;
  totalReps: number;
  avgFormScore: number;
  /** Reps per exercise. */
  exercises: Record<string, number>;
}

export interface StoredSession extends SessionListItem {
  endReason: string | null;
  summary: SummaryPayload;
}

export interface SessionCursor {
  startedAt: number;
  id: string;
}

export interface SessionPage {
  sessions: SessionListItem[];
  /** Pass back to get the next (older) page; null on the last page. */
  next: SessionCursor | null;
}

export interface ClaimedSession {
  lease: number;
  record: SessionRecord;
}

export interface HistoryStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Applies the groups in order; each group is atomic (all of it or none). The batch runs in one
   * transaction; when that fails, each group is retried in its own, so one bad group costs only itself.
   * Returns, per group, null or the error that rolled it back.
   */
  write(groups: readonly (readonly SessionWrite[])[]): Promise<(Error | null)[]>;
  /**
   * Atomically takes over a resumable session whose token hash matches and whose window has not
   * expired (or that a connection still holds): bumps its lease, stores the new token hash, marks it
   * active. Null when anything does not match.
   */
  claim(id: string, tokenHash: string, newTokenHash: string, now: number): Promise<ClaimedSession | null>;
  /** Marks sessions not resumed in time as abandoned (empty ones are deleted); returns how many. */
  expire(now: number): Promise<number>;
  /** Newest first; sessions with no recorded frame yet (a connection that only opened) are left out. */
  list(limit: number, cursor: SessionCursor | null, now: number): Promise<SessionPage>;
  get(id: string, now: number): Promise<StoredSession | null>;
  close(): Promise<void>;
}

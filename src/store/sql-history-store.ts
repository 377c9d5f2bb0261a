import type { RepRecordMessage, SummaryPayload } from '../../signaling/index.ts';
import type {
  ClaimedSession,
  HistoryStore,
  SessionCursor,
  SessionListItem,
  SessionPage,
  SessionRecord,
  SessionStatus,
  SessionTotals,
  SessionWrite,
  StoredSession,
} from './history-store.ts';
import { migrate } from './migrations.ts';
import { REP_MEASURES } from './export.ts';
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from './sql-driver.ts';

const LIST_COLUMNS =
  'id, status, transport, started_at, ended_at, end_reason, total_frames, total_reps, duration_s, avg_form_score, summary, resume_expires_at';

const REP_COLUMNS = REP_MEASURES;

const UPSERT_SESSION = `INSERT INTO sessions
  (id, status, transport, started_at, updated_at, ended_at, end_reason, total_frames, total_reps, duration_s, avg_form_score, summary, lease, resume_token_hash, resume_expires_at, snapshot)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET
    status = excluded.status, updated_at = excluded.updated_at, ended_at = excluded.ended_at, end_reason = excluded.end_reason,
    total_frames = excluded.total_frames, total_reps = excluded.total_reps, duration_s = excluded.duration_s,
    avg_form_score = excluded.avg_form_score, summary = excluded.summary, resume_token_hash = excluded.resume_token_hash,
    resume_expires_at = excluded.resume_expires_at, snapshot = excluded.snapshot
  WHERE sessions.lease = excluded.lease`;

const UPSERT_REP = `INSERT INTO session_reps (session_id, exercise, rep_index, ${REP_COLUMNS.join(', ')}, faults)
  VALUES (?, ?, ?, ${REP_COLUMNS.map(() => '?').join(', ')}, ?)
  ON CONFLICT (session_id, exercise, rep_index) DO UPDATE SET ${[...REP_COLUMNS, 'faults'].map((c) => `${c} = excluded.${c}`).join(', ')}`;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '';
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : str(v));

function totalReps(summary: SessionTotals): number {
  return Object.values(summary.exercise_details).reduce((n, d) => n + d.total_reps, 0);
}

/** A `disconnected` session whose window has passed is abandoned, whether or not a sweeper has rewritten it yet. */
function effectiveStatus(row: SqlRow, now: number): SessionStatus {
  const status = row.status as SessionStatus;
  const expires = numOrNull(row.resume_expires_at);
  return status === 'disconnected' && expires !== null && expires <= now ? 'abandoned' : status;
}

function listItem(row: SqlRow, now: number): SessionListItem {
  const summary = JSON.parse(str(row.summary)) as SessionTotals;
  return {
    id: str(row.id),
    status: effectiveStatus(row, now),
    transport: str(row.transport),
    startedAt: num(row.started_at),
    endedAt: numOrNull(row.ended_at),
    durationS: num(row.duration_s),
    totalFrames: num(row.total_frames),
    totalReps: num(row.total_reps),
    avgFormScore: num(row.avg_form_score),
    exercises: Object.fromEntries(
      Object.entries(summary.exercise_details).map(([name, d]) => [name, d.total_reps]),
    ),
  };
}

function repFromRow(row: SqlRow): RepRecordMessage {
  return {
    exercise: str(row.exercise),
    index: num(row.rep_index),
    start_time: num(row.start_time),
    end_time: num(row.end_time),
    duration: num(row.duration),
    eccentric_s: num(row.eccentric_s),
    concentric_s: num(row.concentric_s),
    range_of_motion: num(row.range_of_motion),
    min_angle: num(row.min_angle),
    max_angle: num(row.max_angle),
    form_score: num(row.form_score),
    faults: JSON.parse(str(row.faults)) as RepRecordMessage['faults'],
  };
}

function recordFromRow(row: SqlRow): SessionRecord {
  const tokenHash = strOrNull(row.resume_token_hash);
  return {
    id: str(row.id),
    status: row.status as SessionStatus,
    transport: str(row.transport),
    startedAt: num(row.started_at),
    endedAt: numOrNull(row.ended_at),
    endReason: strOrNull(row.end_reason),
    summary: JSON.parse(str(row.summary)) as SessionTotals,
    resume: tokenHash === null ? null : { tokenHash, expiresAt: numOrNull(row.resume_expires_at) },
    snapshot: strOrNull(row.snapshot),
  };
}

/** The history store on a SQL database: the same statements for SQLite and PostgreSQL. */
export class SqlHistoryStore implements HistoryStore {
  private constructor(private readonly driver: SqlDriver) {}

  get kind(): 'sqlite' | 'postgres' {
    return this.driver.dialect;
  }

  /** Opens the store on a connected driver and brings its schema up to date. */
  static async open(driver: SqlDriver): Promise<SqlHistoryStore> {
    try {
      await migrate(driver);
    } catch (err) {
      await driver.close().catch(() => undefined);
      throw err;
    }
    return new SqlHistoryStore(driver);
  }

  /** The lease the session's row holds now, locking the row for the transaction on PostgreSQL. */
  private async leaseOf(tx: SqlExecutor, sessionId: string): Promise<number | null> {
    const lock = this.driver.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const rows = await tx.all(`SELECT lease FROM sessions WHERE id = ?${lock}`, [sessionId]);
    return rows[0] === undefined ? null : num(rows[0].lease);
  }

  private async apply(tx: SqlExecutor, w: SessionWrite, now: number): Promise<void> {
    switch (w.kind) {
      case 'save': {
        const s = w.session;
        const params: SqlValue[] = [
          s.id,
          s.status,
          s.transport,
          s.startedAt,
          now,
          s.endedAt,
          s.endReason,
          s.summary.total_frames,
          totalReps(s.summary),
          s.summary.session_duration,
          s.summary.avg_form_score ?? 0,
          JSON.stringify(s.summary),
          w.lease,
          s.resume?.tokenHash ?? null,
          s.resume?.expiresAt ?? null,
          s.snapshot,
        ];
        await tx.run(UPSERT_SESSION, params);
        return;
      }
      case 'reps': {
        if ((await this.leaseOf(tx, w.sessionId)) !== w.lease) return;
        for (const r of w.reps) {
          await tx.run(UPSERT_REP, [
            w.sessionId,
            r.exercise,
            r.index,
            ...REP_COLUMNS.map((c) => r[c]),
            JSON.stringify(r.faults),
          ]);
        }
        return;
      }
      case 'clear_reps':
        if ((await this.leaseOf(tx, w.sessionId)) !== w.lease) return;
        await tx.run('DELETE FROM session_reps WHERE session_id = ?', [w.sessionId]);
        return;
      case 'discard':
        if ((await this.leaseOf(tx, w.sessionId)) !== w.lease) return;
        await tx.run('DELETE FROM session_reps WHERE session_id = ?', [w.sessionId]);
        await tx.run('DELETE FROM sessions WHERE id = ?', [w.sessionId]);
        return;
    }
  }

  async write(groups: readonly (readonly SessionWrite[])[]): Promise<(Error | null)[]> {
    if (groups.length === 0) return [];
    const now = Date.now();
    try {
      await this.driver.transaction(async (tx) => {
        for (const group of groups) for (const w of group) await this.apply(tx, w, now);
      });
      return groups.map(() => null);
    } catch (err) {
      if (groups.length === 1) return [err as Error];
    }
    const results: (Error | null)[] = [];
    for (const group of groups) {
      try {
        await this.driver.transaction(async (tx) => {
          for (const w of group) await this.apply(tx, w, now);
        });
        results.push(null);
      } catch (err) {
        results.push(err as Error);
      }
    }
    return results;
  }

  async claim(
    id: string,
    tokenHash: string,
    newTokenHash: string,
    now: number,
  ): Promise<ClaimedSession | null> {
    const rows = await this.driver.all(
      `UPDATE sessions SET lease = lease + 1, status = 'active', resume_token_hash = ?, resume_expires_at = NULL, updated_at = ?
        WHERE id = ? AND resume_token_hash = ? AND (status = 'active' OR (status = 'disconnected' AND resume_expires_at > ?))
        RETURNING *`,
      [newTokenHash, now, id, tokenHash, now],
    );
    const row = rows[0];
    return row === undefined ? null : { lease: num(row.lease), record: recordFromRow(row) };
  }

  async expire(now: number): Promise<number> {
    return this.driver.transaction(async (tx) => {
      const dropped = await tx.run(
        "DELETE FROM sessions WHERE status = 'disconnected' AND resume_expires_at <= ? AND total_frames = 0",
        [now],
      );
      const abandoned = await tx.run(
        `UPDATE sessions SET status = 'abandoned', ended_at = resume_expires_at, updated_at = ?,
          resume_token_hash = NULL, resume_expires_at = NULL, snapshot = NULL
          WHERE status = 'disconnected' AND resume_expires_at <= ?`,
        [now, now],
      );
      return dropped + abandoned;
    });
  }

  async list(limit: number, cursor: SessionCursor | null, now: number): Promise<SessionPage> {
    const rows = cursor
      ? await this.driver.all(
          `SELECT ${LIST_COLUMNS} FROM sessions WHERE total_frames > 0 AND (started_at < ? OR (started_at = ? AND id < ?))
            ORDER BY started_at DESC, id DESC LIMIT ?`,
          [cursor.startedAt, cursor.startedAt, cursor.id, limit + 1],
        )
      : await this.driver.all(
          `SELECT ${LIST_COLUMNS} FROM sessions WHERE total_frames > 0 ORDER BY started_at DESC, id DESC LIMIT ?`,
          [limit + 1],
        );
    const sessions = rows.slice(0, limit).map((r) => listItem(r, now));
    const last = sessions[sessions.length - 1];
    return {
      sessions,
      next: rows.length > limit && last ? { startedAt: last.startedAt, id: last.id } : null,
    };
  }

  async get(id: string, now: number): Promise<StoredSession | null> {
    const [row] = await this.driver.all(`SELECT ${LIST_COLUMNS} FROM sessions WHERE id = ?`, [id]);
    if (row === undefined) return null;
    const reps = (
      await this.driver.all(
        'SELECT * FROM session_reps WHERE session_id = ? ORDER BY end_time, exercise, rep_index',
        [id],
      )
    ).map(repFromRow);
    const totals = JSON.parse(str(row.summary)) as SessionTotals;
    const summary: SummaryPayload = { ...totals, reps, session_id: id };
    return { ...listItem(row, now), endReason: strOrNull(row.end_reason), summary };
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

/**
 * Versioned schema changes, applied in order at start; `schema_migrations` records which ran.
 * Never edit a released migration: add the next version. The DDL is written once for both engines
 * (SQLite reads BIGINT and DOUBLE PRECISION as INTEGER and REAL).
 */
import type { SqlDriver } from './sql-driver.ts';

export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions and reps',
    statements: [
      `CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        transport TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        ended_at BIGINT,
        end_reason TEXT,
        total_frames INTEGER NOT NULL DEFAULT 0,
        total_reps INTEGER NOT NULL DEFAULT 0,
        duration_s DOUBLE PRECISION NOT NULL DEFAULT 0,
        avg_form_score DOUBLE PRECISION NOT NULL DEFAULT 0,
        summary TEXT NOT NULL,
        lease INTEGER NOT NULL DEFAULT 0,
        resume_token_hash TEXT,
        resume_expires_at BIGINT,
        snapshot TEXT
      )`,
      'CREATE INDEX sessions_newest ON sessions (started_at DESC, id DESC)',
      'CREATE INDEX sessions_resumable ON sessions (status, resume_expires_at)',
      `CREATE TABLE session_reps (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        exercise TEXT NOT NULL,
        rep_index INTEGER NOT NULL,
        start_time DOUBLE PRECISION NOT NULL,
        end_time DOUBLE PRECISION NOT NULL,
        duration DOUBLE PRECISION NOT NULL,
        eccentric_s DOUBLE PRECISION NOT NULL,
        concentric_s DOUBLE PRECISION NOT NULL,
        range_of_motion DOUBLE PRECISION NOT NULL,
        min_angle DOUBLE PRECISION NOT NULL,
        max_angle DOUBLE PRECISION NOT NULL,
        form_score DOUBLE PRECISION NOT NULL,
        faults TEXT NOT NULL,
        PRIMARY KEY (session_id, exercise, rep_index)
      )`,
    ],
  },
];

/** Any number of pods may start at once: PostgreSQL serialises them on an advisory lock, SQLite on its write lock. */
const MIGRATION_LOCK = 0x776f726b; // "work"

export async function migrate(
  driver: SqlDriver,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return driver.transaction(async (tx) => {
    if (driver.dialect === 'postgres') await tx.all('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    await tx.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const done = new Set(
      (await tx.all('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const sql of m.statements) await tx.run(sql);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        Date.now(),
      ]);
      applied.push(m.version);
    }
    return applied;
  });
}

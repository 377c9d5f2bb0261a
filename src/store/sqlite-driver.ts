import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDriver, SqlExecutor, SqlRow, SqlValue } from './sql-driver.ts';

/**
 * SQLite through better-sqlite3 (synchronous, in process). One connection, so statements and
 * transactions take turns through a promise chain: a transaction's statements never interleave with
 * another caller's. WAL lets readers (the API) proceed while a write commits.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private turn: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** `file` is a path (its folder is created) or `:memory:`. */
  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private readonly direct: SqlExecutor = {
    all: (sql, params = []) => Promise.resolve(this.statement(sql).all(...params) as SqlRow[]),
    run: (sql, params = []) => {
      const stmt = this.statement(sql);
      // A statement that returns rows (… RETURNING) cannot be `run`.
      return Promise.resolve(stmt.reader ? stmt.all(...params).length : stmt.run(...params).changes);
    },
  };

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.turn.then(() => {
      if (this.closed) throw new Error('the SQLite store is closed');
      return fn();
    });
    this.turn = result.catch(() => undefined);
    return result;
  }

  all(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.exclusive(() => this.direct.all(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.exclusive(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  close(): Promise<void> {
    return this.exclusive(() => {
      this.closed = true;
      this.statements.clear();
      this.db.close();
      return Promise.resolve();
    }).catch(() => undefined);
  }
}

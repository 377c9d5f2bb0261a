import { resolve } from 'node:path';
import type { HistoryStore } from './history-store.ts';
import { PostgresDriver } from './postgres-driver.ts';
import { SqlHistoryStore } from './sql-history-store.ts';
import { SqliteDriver } from './sqlite-driver.ts';

/** Where the history lives when DATABASE_URL is empty: a file next to the process, created on first start. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/workout.db';

/** Which database a URL names: `sqlite:<path>` (or `sqlite::memory:`), or `postgres://…` / `postgresql://…`. */
export function describeDatabaseUrl(
  url: string,
): { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string } {
  const u = url === '' ? DEFAULT_DATABASE_URL : url;
  if (/^postgres(ql)?:\/\//.test(u)) return { kind: 'postgres', url: u };
  if (u.startsWith('sqlite:')) {
    const file = u.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') throw new Error('DATABASE_URL: sqlite: needs a file path');
    return { kind: 'sqlite', file: file === ':memory:' ? file : resolve(file) };
  }
  throw new Error(`DATABASE_URL: unsupported database "${u.split(':')[0] ?? ''}"`);
}

/** Connects, migrates and returns the store that DATABASE_URL names. */
export async function openHistoryStore(
  url: string,
  onPoolError: (err: Error) => void,
): Promise<HistoryStore> {
  const target = describeDatabaseUrl(url);
  if (target.kind === 'postgres') return SqlHistoryStore.open(new PostgresDriver(target.url, onPoolError));
  return SqlHistoryStore.open(new SqliteDriver(target.file));
}

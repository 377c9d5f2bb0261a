/**
 * The workout history over HTTP: `GET /api/sessions?limit=&cursor=` (newest first),
 * `GET /api/sessions/:id` (summary and reps) and `GET /api/sessions/:id/export?format=csv|json`.
 * Errors are JSON: `{"error": {"code", "message"}}` (docs/errors.md, "HTTP API").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.ts';
import { EXPORT_FORMATS, sessionCsv, sessionJson, sessionListItemJson, type ExportFormat } from '../store/export.ts';
import type { HistoryStore, SessionCursor } from '../store/history-store.ts';
import { Authenticator } from './auth.ts';

export const HISTORY_API_PREFIX = '/api/sessions';
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const SESSION_ID = /^[A-Za-z0-9-]{1,64}$/;

export type HistoryApiErrorCode =
  'INVALID_QUERY' | 'SESSION_NOT_FOUND' | 'UNAUTHORIZED' | 'STORE_UNAVAILABLE';

export interface HistoryApiDeps {
  /** Null until the store is open. */
  store: () => HistoryStore | null;
  auth: Authenticator;
  logger: Logger;
}

/**
 * The one place the history API decides who may read it: the same bearer token (or `?token=`) and
 * origin checks as the live transports, so it is open exactly when they are (AUTH_MODE=off) and
 * protected when they are. Scoping sessions to their owner comes with user accounts.
 */
export async function authorize(auth: Authenticator, req: IncomingMessage): Promise<boolean> {
  const result = await auth.verify(Authenticator.tokenFromRequest(req), req.headers.origin);
  return result.ok;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, code: HistoryApiErrorCode, message: string): void {
  json(res, status, { error: { code, message } });
}

export function encodeCursor(cursor: SessionCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): SessionCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [startedAt, id] = value as unknown[];
    if (
      typeof startedAt !== 'number' ||
      !Number.isSafeInteger(startedAt) ||
      typeof id !== 'string' ||
      !SESSION_ID.test(id)
    )
      return null;
    return { startedAt, id };
  } catch {
    return null;
  }
}

async function list(store: HistoryStore, url: URL, res: ServerResponse): Promise<void> {
  const limitText = url.searchParams.get('limit');
  const limit = limitText === null || limitText === '' ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    fail(res, 400, 'INVALID_QUERY', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    return;
  }
  const cursorText = url.searchParams.get('cursor');
  const cursor = cursorText === null || cursorText === '' ? null : decodeCursor(cursorText);
  if (cursorText && cursor === null) {
    fail(res, 400, 'INVALID_QUERY', 'cursor is not one this API returned');
    return;
  }
  const page = await store.list(limit, cursor, Date.now());
  json(res, 200, {
    sessions: page.sessions.map(sessionListItemJson),
    next_cursor: page.next ? encodeCursor(page.next) : null,
  });
}

async function one(
  store: HistoryStore,
  id: string,
  exportFormat: string | null | undefined,
  res: ServerResponse,
): Promise<void> {
  let format: ExportFormat | undefined;
  if (exportFormat !== undefined) {
    const f = exportFormat ?? 'json';
    if (!(EXPORT_FORMATS as readonly string[]).includes(f)) {
      fail(res, 400, 'INVALID_QUERY', `format must be one of ${EXPORT_FORMATS.join(', ')}`);
      return;
    }
    format = f as ExportFormat;
  }
  const session = SESSION_ID.test(id) ? await store.get(id, Date.now()) : null;
  if (!session) {
    fail(res, 404, 'SESSION_NOT_FOUND', 'no session with this id');
    return;
  }
  if (format === 'csv') {
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="session-${session.id}.csv"`,
      'cache-control': 'no-store',
    });
    res.end(sessionCsv(session));
    return;
  }
  if (format === 'json')
    res.setHeader('content-disposition', `attachment; filename="session-${session.id}.json"`);
  json(res, 200, sessionJson(session));
}

/** Handles a request under /api/sessions (GET/HEAD only; the caller checked the method). */
export function handleHistoryApi(
  deps: HistoryApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  const parts = url.pathname
    .slice(HISTORY_API_PREFIX.length)
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponentSafe);
  void (async () => {
    if (!(await authorize(deps.auth, req)))
      return fail(res, 401, 'UNAUTHORIZED', 'missing or invalid credentials');
    const store = deps.store();
    if (!store) return fail(res, 503, 'STORE_UNAVAILABLE', 'the history store is not open');
    const [id, action, extra] = parts;
    if (id === undefined) return list(store, url, res);
    if (action === undefined) return one(store, id, undefined, res);
    if (action === 'export' && extra === undefined)
      return one(store, id, url.searchParams.get('format'), res);
    fail(res, 404, 'SESSION_NOT_FOUND', 'no such resource');
  })().catch((err: Error) => {
    deps.logger.error({ err: err.message, path: url.pathname }, 'history API request failed');
    if (!res.headersSent) fail(res, 503, 'STORE_UNAVAILABLE', 'the history store failed');
    else res.destroy();
  });
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

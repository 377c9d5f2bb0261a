/** A stored session as a download: CSV (one row per rep) or JSON (the session and its reps). */
import type { RepRecordMessage } from '../../signaling/index.ts';
import type { SessionListItem, StoredSession } from './history-store.ts';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The numeric measures of a rep record, shared by the CSV columns and the `session_reps` table. */
export const REP_MEASURES = [
  'start_time',
  'end_time',
  'duration',
  'eccentric_s',
  'concentric_s',
  'range_of_motion',
  'min_angle',
  'max_angle',
  'form_score',
] as const;

/** The CSV's columns, in order: the per-rep fields of the protocol's rep record; faults as `code;code`. */
export const CSV_COLUMNS = ['session_id', 'exercise', 'index', ...REP_MEASURES, 'faults'] as const;

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet does not run it as a formula. */
function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(sessionId: string, r: RepRecordMessage): string {
  const values: Record<(typeof CSV_COLUMNS)[number], string | number> = {
    session_id: sessionId,
    exercise: r.exercise,
    index: r.index,
    ...(Object.fromEntries(REP_MEASURES.map((m) => [m, r[m]])) as Record<(typeof REP_MEASURES)[number], number>),
    faults: r.faults.map((f) => f.code).join(';'),
  };
  return CSV_COLUMNS.map((c) => csvField(values[c])).join(',');
}

export function sessionCsv(session: StoredSession): string {
  const lines = [CSV_COLUMNS.join(','), ...(session.summary.reps ?? []).map((r) => csvRow(session.id, r))];
  return `${lines.join('\r\n')}\r\n`;
}

/** The API's JSON view of a session in a list. */
export function sessionListItemJson(s: SessionListItem): Record<string, unknown> {
  return {
    id: s.id,
    status: s.status,
    transport: s.transport,
    started_at: new Date(s.startedAt).toISOString(),
    ended_at: s.endedAt === null ? null : new Date(s.endedAt).toISOString(),
    duration_s: s.durationS,
    total_frames: s.totalFrames,
    total_reps: s.totalReps,
    avg_form_score: s.avgFormScore,
    exercises: s.exercises,
  };
}

/** The API's JSON view of one session (also the JSON export): the list item plus why it ended and its summary. */
export function sessionJson(session: StoredSession): Record<string, unknown> {
  return { ...sessionListItemJson(session), end_reason: session.endReason, summary: session.summary };
}

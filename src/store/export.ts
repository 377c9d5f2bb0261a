/** A stored session as a download: CSV (one row per rep) or JSON (the session and its reps). */
import type { RepRecordMessage } from '../../signaling/index.ts';
import type { StoredSession } from './history-store.ts';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The CSV's columns, in order: the per-rep fields of the protocol's rep record; faults as `code;code`. */
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
    start_time: r.start_time,
    end_time: r.end_time,
    duration: r.duration,
    eccentric_s: r.eccentric_s,
    concentric_s: r.concentric_s,
    range_of_motion: r.range_of_motion,
    min_angle: r.min_angle,
    max_angle: r.max_angle,
    form_score: r.form_score,
    faults: r.faults.map((f) => f.code).join(';'),
  };
  return CSV_COLUMNS.map((c) => csvField(values[c])).join(',');
}

export function sessionCsv(session: StoredSession): string {
  const lines = [CSV_COLUMNS.join(','), ...(session.summary.reps ?? []).map((r) => csvRow(session.id, r))];
  return `${lines.join('\r\n')}\r\n`;
}

/** The API's JSON view of one session (also the JSON export). */
export function sessionJson(session: StoredSession): Record<string, unknown> {
  return {
    id: session.id,
    status: session.status,
    transport: session.transport,
    started_at: new Date(session.startedAt).toISOString(),
    ended_at: session.endedAt === null ? null : new Date(session.endedAt).toISOString(),
    end_reason: session.endReason,
    duration_s: session.durationS,
    total_frames: session.totalFrames,
    total_reps: session.totalReps,
    avg_form_score: session.avgFormScore,
    exercises: session.exercises,
    summary: session.summary,
  };
}

import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, sessionCsv, sessionJson } from '../../../src/store/export.ts';
import type { StoredSession } from '../../../src/store/history-store.ts';
import { decodeCursor, encodeCursor } from '../../../src/transport/history-api.ts';
import { describeDatabaseUrl } from '../../../src/store/open-store.ts';

const session: StoredSession = {
  id: 'abc-1',
  status: 'finished',
  transport: 'websocket',
  startedAt: Date.UTC(2025, 0, 2, 3, 4, 5),
  endedAt: Date.UTC(2025, 0, 2, 3, 14, 5),
  endReason: 'client_closed',
  durationS: 600,
  totalFrames: 18000,
  totalReps: 2,
  avgFormScore: 80,
  exercises: { squat: 2 },
  summary: {
    session_duration: 600,
    total_frames: 18000,
    exercises_performed: 1,
    exercise_details: {
      squat: { total_reps: 2, duration: 590, best_form_score: 90, avg_form_score: 80, sets: 1 },
    },
    reps: [
      {
        exercise: 'squat',
        index: 1,
        start_time: 1,
        end_time: 3.5,
        duration: 2.5,
        eccentric_s: 1.2,
        concentric_s: 1.3,
        range_of_motion: 75.2,
        min_angle: 95,
        max_angle: 170.2,
        form_score: 90,
        faults: [],
      },
      {
        exercise: '=HYPERLINK("x")',
        index: 2,
        start_time: 5,
        end_time: 7,
        duration: 2,
        eccentric_s: 1,
        concentric_s: 1,
        range_of_motion: 60,
        min_angle: 110,
        max_angle: 170,
        form_score: 70,
        faults: [
          { code: 'shallow', feedback: 'Go deeper' },
          { code: 'knees_in', feedback: 'Knees out' },
        ],
      },
    ],
    session_id: 'abc-1',
  },
};

describe('session export', () => {
  it('CSV: a header of the per-rep fields, then one row per rep', () => {
    const lines = sessionCsv(session).split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[1]).toBe('abc-1,squat,1,1,3.5,2.5,1.2,1.3,75.2,95,170.2,90,');
    // Quoted where it holds a quote or comma, and defused so a spreadsheet does not run it.
    expect(lines[2]).toBe(`abc-1,"'=HYPERLINK(""x"")",2,5,7,2,1,1,60,110,170,70,shallow;knees_in`);
    expect(lines[3]).toBe('');
    expect(lines).toHaveLength(4);
  });

  it('CSV of a session without reps is the header alone', () => {
    expect(sessionCsv({ ...session, summary: { ...session.summary, reps: [] } })).toBe(
      `${CSV_COLUMNS.join(',')}\r\n`,
    );
  });

  it('JSON: ISO times, totals and the summary with its reps', () => {
    const j = sessionJson(session);
    expect(j).toMatchObject({
      id: 'abc-1',
      status: 'finished',
      started_at: '2025-01-02T03:04:05.000Z',
      ended_at: '2025-01-02T03:14:05.000Z',
      total_reps: 2,
      exercises: { squat: 2 },
    });
    expect((j.summary as { reps: unknown[] }).reps).toHaveLength(2);
  });
});

describe('list cursor', () => {
  it('round-trips and refuses what it did not make', () => {
    const c = { startedAt: 1_700_000_000_123, id: '6f1c-aa' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of [
      '',
      'garbage',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('["x","y"]').toString('base64url'),
      Buffer.from('[1,"a b"]').toString('base64url'),
    ]) {
      expect(decodeCursor(bad)).toBeNull();
    }
  });
});

describe('DATABASE_URL', () => {
  it('defaults to SQLite under ./data and reads sqlite:/postgres: URLs', () => {
    const d = describeDatabaseUrl('');
    expect(d.kind === 'sqlite' && d.file.endsWith('/data/workout.db')).toBe(true);
    expect(describeDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', file: ':memory:' });
    expect(describeDatabaseUrl('sqlite:/var/lib/w.db')).toEqual({ kind: 'sqlite', file: '/var/lib/w.db' });
    expect(describeDatabaseUrl('postgres://u:p@db:5432/w')).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/w',
    });
    expect(describeDatabaseUrl('postgresql://db/w').kind).toBe('postgres');
    expect(() => describeDatabaseUrl('mysql://x')).toThrow(/unsupported/);
  });
});

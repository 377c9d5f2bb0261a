/**
 * One suite, two databases: the history store on SQLite (a temp file) and on a real PostgreSQL
 * started for the run (skipped, with the reason, only where no server can be started).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepRecordMessage } from '../../../signaling/index.ts';
import type { HistoryStore, SessionRecord, SessionWrite } from '../../../src/store/history-store.ts';
import { MIGRATIONS } from '../../../src/store/migrations.ts';
import { openHistoryStore } from '../../../src/store/open-store.ts';
import { startPostgres, type PostgresCluster } from './postgres-cluster.ts';

const noop = (): void => undefined;

function rep(exercise: string, index: number, t = index * 3): RepRecordMessage {
  return {
    exercise,
    index,
    start_time: t,
    end_time: t + 2,
    duration: 2,
    eccentric_s: 1.1,
    concentric_s: 0.9,
    range_of_motion: 80.5,
    min_angle: 90,
    max_angle: 170.5,
    form_score: 88,
    faults: index % 2 === 0 ? [{ code: 'shallow', feedback: 'Go deeper' }] : [],
  };
}

function record(id: string, over: Partial<SessionRecord> = {}, reps = 0): SessionRecord {
  return {
    id,
    status: 'active',
    transport: 'websocket',
    startedAt: 1_700_000_000_000,
    endedAt: null,
    endReason: null,
    summary: {
      session_duration: 12.5,
      total_frames: 300,
      exercises_performed: reps > 0 ? 1 : 0,
      exercise_details:
        reps > 0
          ? { squat: { total_reps: reps, duration: 12, best_form_score: 90, avg_form_score: 88, sets: 1 } }
          : {},
      avg_form_score: 88,
      sets: reps > 0 ? 1 : 0,
    },
    resume: { tokenHash: `hash-${id}`, expiresAt: null },
    snapshot: '{"state":1}',
    ...over,
  };
}

const save = (session: SessionRecord, lease = 0): SessionWrite => ({ kind: 'save', lease, session });
const reps = (sessionId: string, list: RepRecordMessage[], lease = 0): SessionWrite => ({
  kind: 'reps',
  sessionId,
  lease,
  reps: list,
});

let cluster: PostgresCluster | string = 'not started';
const sqliteDir = mkdtempSync(join(tmpdir(), 'workout-sqlite-'));

beforeAll(async () => {
  cluster = await startPostgres();
  if (typeof cluster === 'string') console.warn(`[store] PostgreSQL suite skipped: ${cluster}`);
}, 120_000);

afterAll(() => {
  if (typeof cluster !== 'string') cluster.stop();
  rmSync(sqliteDir, { recursive: true, force: true });
});

const backends = [
  { name: 'sqlite', url: (): string | null => `sqlite:${join(sqliteDir, 'history.db')}` },
  { name: 'postgres', url: (): string | null => (typeof cluster === 'string' ? null : cluster.url) },
] as const;

describe.each(backends)('history store on $name', ({ url }) => {
  let store: HistoryStore;
  let skip = false;

  beforeAll(async () => {
    const u = url();
    if (u === null) {
      skip = true;
      return;
    }
    store = await openHistoryStore(u, noop);
  });
  afterAll(async () => {
    await store?.close();
  });

  const test = (name: string, fn: () => Promise<void>): void => {
    it(name, async (ctx) => {
      if (skip) ctx.skip();
      await fn();
    });
  };

  test('migrates once: reopening applies nothing and keeps the data', async () => {
    await store.write([[save(record('mig-1', {}, 1)), reps('mig-1', [rep('squat', 1)])]]);
    const again = await openHistoryStore(url() ?? '', noop);
    expect((await again.get('mig-1', Date.now()))?.summary.reps).toHaveLength(1);
    await again.close();
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1]);
  });

  test('stores a session with its summary and per-rep records, in order', async () => {
    const list = [rep('squat', 1), rep('squat', 2), rep('squat', 3)];
    await store.write([
      [
        save(
          record(
            's-1',
            {
              status: 'finished',
              endedAt: 1_700_000_013_000,
              endReason: 'client_closed',
              resume: null,
              snapshot: null,
            },
            3,
          ),
        ),
        reps('s-1', list),
      ],
    ]);
    const got = await store.get('s-1', Date.now());
    expect(got).toMatchObject({
      id: 's-1',
      status: 'finished',
      transport: 'websocket',
      totalReps: 3,
      totalFrames: 300,
      durationS: 12.5,
      exercises: { squat: 3 },
    });
    expect(got?.summary.reps).toEqual(list);
    expect(got?.summary.exercise_details.squat?.total_reps).toBe(3);
    expect(got?.summary.session_id).toBe('s-1');
    expect(await store.get('nope', Date.now())).toBeNull();
  });

  test('writing a rep twice keeps one row', async () => {
    await store.write([
      [save(record('dup', {}, 1)), reps('dup', [rep('squat', 1)])],
      [reps('dup', [rep('squat', 1)])],
    ]);
    expect((await store.get('dup', Date.now()))?.summary.reps).toHaveLength(1);
  });

  test('a group is atomic: a failing write rolls back its group only', async () => {
    const bad = { ...rep('squat', 2), start_time: null } as unknown as RepRecordMessage;
    const results = await store.write([
      [save(record('atomic-ok', {}, 1)), reps('atomic-ok', [rep('squat', 1)])],
      [save(record('atomic-bad', {}, 2)), reps('atomic-bad', [rep('squat', 1), bad])],
    ]);
    expect(results[0]).toBeNull();
    expect(results[1]).toBeInstanceOf(Error);
    expect(await store.get('atomic-ok', Date.now())).not.toBeNull();
    expect(await store.get('atomic-bad', Date.now())).toBeNull();
  });

  test('writes with a stale lease change nothing', async () => {
    await store.write([[save(record('fenced'), 0)]]);
    const claimed = await store.claim('fenced', 'hash-fenced', 'hash-2', Date.now());
    expect(claimed?.lease).toBe(1);
    await store.write([
      [save(record('fenced', { status: 'finished', resume: null }), 0), reps('fenced', [rep('squat', 1)], 0)],
    ]);
    const got = await store.get('fenced', Date.now());
    expect(got?.status).toBe('active');
    expect(got?.summary.reps).toHaveLength(0);
    await store.write([
      [
        save(record('fenced', { status: 'finished', resume: null }, 1), 1),
        reps('fenced', [rep('squat', 1)], 1),
      ],
    ]);
    expect((await store.get('fenced', Date.now()))?.summary.reps).toHaveLength(1);
  });

  test('claim: the right token within the window takes the session once; wrong, reused or expired tokens do not', async () => {
    const now = Date.now();
    await store.write([
      [
        save(
          record('r-1', { status: 'disconnected', resume: { tokenHash: 'good', expiresAt: now + 60_000 } }),
        ),
      ],
    ]);
    expect(await store.claim('r-1', 'forged', 'x', now)).toBeNull();
    const claimed = await store.claim('r-1', 'good', 'rotated', now);
    expect(claimed?.lease).toBe(1);
    expect(claimed?.record.snapshot).toBe('{"state":1}');
    expect(claimed?.record.status).toBe('active');
    expect(await store.claim('r-1', 'good', 'again', now)).toBeNull();
    expect(await store.claim('r-1', 'rotated', 'third', now)).not.toBeNull();

    await store.write([
      [save(record('r-old', { status: 'disconnected', resume: { tokenHash: 'good', expiresAt: now - 1 } }))],
    ]);
    expect(await store.claim('r-old', 'good', 'x', now)).toBeNull();
    await store.write([[save(record('r-done', { status: 'finished', resume: null }))]]);
    expect(await store.claim('r-done', 'hash-r-done', 'x', now)).toBeNull();
  });

  test('expiry: dropped sessions not resumed in time become abandoned; empty ones vanish', async () => {
    const now = Date.now();
    const gone = { status: 'disconnected' as const, resume: { tokenHash: 'h', expiresAt: now - 10 } };
    await store.write([
      [save(record('x-1', gone, 2)), reps('x-1', [rep('squat', 1), rep('squat', 2)])],
      [save(record('x-empty', { ...gone, summary: { ...record('x').summary, total_frames: 0 } }))],
    ]);
    // Read before any sweep: already reported as abandoned.
    expect((await store.get('x-1', now))?.status).toBe('abandoned');
    expect(await store.expire(now)).toBeGreaterThanOrEqual(2);
    const got = await store.get('x-1', now);
    expect(got?.status).toBe('abandoned');
    expect(got?.endedAt).toBe(now - 10);
    expect(got?.summary.reps).toHaveLength(2);
    expect(await store.get('x-empty', now)).toBeNull();
  });

  test('reset clears the reps; discard removes a session', async () => {
    await store.write([[save(record('c-1', {}, 2)), reps('c-1', [rep('squat', 1), rep('squat', 2)])]]);
    await store.write([[{ kind: 'clear_reps', sessionId: 'c-1', lease: 0 }]]);
    expect((await store.get('c-1', Date.now()))?.summary.reps).toHaveLength(0);
    await store.write([[{ kind: 'discard', sessionId: 'c-1', lease: 0 }]]);
    expect(await store.get('c-1', Date.now())).toBeNull();
  });

  test('lists newest first, page by page, without gaps or repeats', async () => {
    const base = 1_800_000_000_000;
    // Two share a start time: the id breaks the tie.
    const rows = Array.from({ length: 25 }, (_, i) => ({
      id: `page-${String(i).padStart(2, '0')}`,
      startedAt: base + Math.min(i, 23) * 1000,
    }));
    await store.write(rows.map((r) => [save(record(r.id, { startedAt: r.startedAt }))]));
    const seen: string[] = [];
    let cursor = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await store.list(10, cursor, Date.now());
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.next;
      if (!cursor) break;
    }
    const expected = [...rows]
      .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    expect(seen.filter((id) => id.startsWith('page-'))).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test('ten sessions writing at once lose nothing', async () => {
    const sessions = Array.from({ length: 10 }, (_, i) => `conc-${i}`);
    await Promise.all(
      sessions.map(async (id) => {
        await store.write([[save(record(id))]]);
        for (let i = 1; i <= 20; i++) {
          await store.write([[save(record(id, {}, i)), reps(id, [rep('squat', i)])]]);
        }
      }),
    );
    for (const id of sessions) {
      const got = await store.get(id, Date.now());
      expect(got?.summary.reps?.map((r) => r.index)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(got?.totalReps).toBe(20);
    }
  });
});

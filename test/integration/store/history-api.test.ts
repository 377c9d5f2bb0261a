/**
 * The history through the HTTP API of a real server: sessions survive a restart on the same SQLite
 * file, ten sessions at once are all stored, and the export has the documented shape.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listExercises, SessionAnalyzer } from '../../../src/analysis/index.ts';
import { createApp, type App } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createLogger } from '../../../src/log.ts';
import { CSV_COLUMNS } from '../../../src/store/export.ts';
import { connectWs, sleep, type WsClient } from '../../helpers/clients.ts';
import { startServer } from '../../helpers/server.ts';
import { sendAndCount, squatMessages, systemOf } from '../resume/resume-helpers.ts';

interface ListBody {
  sessions: {
    id: string;
    status: string;
    total_reps: number;
    started_at: string;
    exercises: Record<string, number>;
  }[];
  next_cursor: string | null;
}
interface SessionBody {
  id: string;
  status: string;
  total_reps: number;
  summary: {
    session_id: string;
    exercise_details: Record<string, { total_reps: number }>;
    reps: { index: number; exercise: string }[];
  };
}

const dir = mkdtempSync(join(tmpdir(), 'workout-api-'));
const databaseUrl = `sqlite:${join(dir, 'workout.db')}`;
const overrides = { rateLimitPerSecond: 5000, rateLimitBurst: 5000, databaseUrl };
const apps: App[] = [];

async function start(): Promise<App> {
  const app = await startServer(overrides);
  apps.push(app);
  return app;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

/** A workout of `reps` squats on a new connection; resolves with the client and its session id. */
async function workout(app: App, reps: number, seed: number): Promise<{ client: WsClient; id: string }> {
  const client = await connectWs(app.url);
  const id = systemOf(await client.log.waitFor((m) => m.type === 'system')).session_id ?? '';
  client.send({ type: 'set_exercise', payload: { exercise: 'squat' } });
  const a = squatMessages(reps, seed);
  expect(await sendAndCount(client.log, client.send, a.messages, a.frames)).toBe(reps);
  return { client, id };
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await probe();
  while (!ok(v) && Date.now() < deadline) {
    await sleep(100);
    v = await probe();
  }
  return v;
}

afterAll(async () => {
  await Promise.allSettled(apps.map((a) => a.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('workout history API', () => {
  let finishedId = '';
  let openId = '';

  it('keeps finished and open sessions readable across a restart on the same SQLite file', async () => {
    const app = await start();
    const done = await workout(app, 3, 1);
    done.client.ws.close(1000);
    await done.client.closed;
    const open = await workout(app, 2, 2);
    finishedId = done.id;
    openId = open.id;
    await until(
      () => getJson<SessionBody>(`${app.url}/api/sessions/${done.id}`),
      (r) => r.body.status === 'finished',
    );
    await app.close(); // the open session is stored at shutdown

    const again = await start();
    const finished = await getJson<SessionBody>(`${again.url}/api/sessions/${finishedId}`);
    expect(finished.status).toBe(200);
    expect(finished.body).toMatchObject({ id: finishedId, status: 'finished', total_reps: 3 });
    expect(finished.body.summary.session_id).toBe(finishedId);
    expect(finished.body.summary.exercise_details.squat?.total_reps).toBe(3);
    expect(finished.body.summary.reps.map((r) => r.index)).toEqual([1, 2, 3]);
    const atShutdown = await getJson<SessionBody>(`${again.url}/api/sessions/${openId}`);
    // Stored at shutdown and still resumable on another pod until its window ends.
    expect(atShutdown.body).toMatchObject({ status: 'disconnected', total_reps: 2 });
    const list = await getJson<ListBody>(`${again.url}/api/sessions`);
    expect(list.body.sessions.map((s) => s.id)).toEqual(expect.arrayContaining([finishedId, openId]));
    expect(list.body.sessions[0]?.id).toBe(openId); // newest first
  });

  it('exports a session as CSV (one row per rep) and as JSON', async () => {
    const app = apps[apps.length - 1] as App;
    const csv = await fetch(`${app.url}/api/sessions/${finishedId}/export?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain(`session-${finishedId}.csv`);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[0]).toBe(
      'session_id,exercise,index,start_time,end_time,duration,eccentric_s,concentric_s,range_of_motion,min_angle,max_angle,form_score,faults',
    );
    expect(lines).toHaveLength(4);
    for (const [i, line] of lines.slice(1).entries()) {
      const cells = line.split(',');
      expect(cells).toHaveLength(CSV_COLUMNS.length);
      expect(cells.slice(0, 3)).toEqual([finishedId, 'squat', String(i + 1)]);
      expect(Number(cells[11])).toBeGreaterThanOrEqual(0);
    }
    const json = await fetch(`${app.url}/api/sessions/${finishedId}/export?format=json`);
    expect(json.headers.get('content-disposition')).toContain(`session-${finishedId}.json`);
    const body = (await json.json()) as SessionBody;
    expect(body.summary.reps).toHaveLength(3);
    expect(Object.keys(body.summary.reps[0] ?? {}).sort()).toEqual(
      [
        'exercise',
        'index',
        'start_time',
        'end_time',
        'duration',
        'eccentric_s',
        'concentric_s',
        'range_of_motion',
        'min_angle',
        'max_angle',
        'form_score',
        'faults',
      ].sort(),
    );
  });

  it('answers bad requests with JSON errors', async () => {
    const app = apps[apps.length - 1] as App;
    const cases: [string, number, string][] = [
      ['/api/sessions/00000000-0000-0000-0000-000000000000', 404, 'SESSION_NOT_FOUND'],
      ['/api/sessions/no%20such', 404, 'SESSION_NOT_FOUND'],
      [`/api/sessions/${finishedId}/export?format=xml`, 400, 'INVALID_QUERY'],
      ['/api/sessions?limit=0', 400, 'INVALID_QUERY'],
      ['/api/sessions?limit=abc', 400, 'INVALID_QUERY'],
      ['/api/sessions?limit=1000', 400, 'INVALID_QUERY'],
      ['/api/sessions?cursor=garbage', 400, 'INVALID_QUERY'],
      [`/api/sessions/${finishedId}/reps`, 404, 'SESSION_NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const res = await getJson<{ error: { code: string; message: string } }>(`${app.url}${path}`);
      expect([path, res.status, res.body.error.code]).toEqual([path, status, code]);
    }
  });

  it('ten sessions at once are all stored, every rep, and pages walk them newest first', async () => {
    const app = apps[apps.length - 1] as App;
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => workout(app, 2, 100 + i)));
    for (const r of runs) r.client.ws.close(1000);
    const ids = runs.map((r) => r.id);
    for (const id of ids) {
      const got = await until(
        () => getJson<SessionBody>(`${app.url}/api/sessions/${id}`),
        (r) => r.body.status === 'finished',
      );
      expect(got.body).toMatchObject({ status: 'finished', total_reps: 2 });
      expect(got.body.summary.reps.map((r) => r.index)).toEqual([1, 2]);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: ListBody } = await getJson<ListBody>(
        `${app.url}/api/sessions?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.sessions.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.sessions.map((s) => s.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining([...ids, finishedId, openId]));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('is ready with the store open, and not ready while the store cannot be opened', async () => {
    const running = apps[apps.length - 1] ?? (await start());
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
    const config = loadConfig(
      { PATH: process.env.PATH },
      { port: 0, host: '127.0.0.1', poseWorkers: 1, databaseUrl: 'postgres://nobody@127.0.0.1:1/none' },
    );
    const app = createApp(config, {
      logger: createLogger('silent'),
      createAnalyzer: () => new SessionAnalyzer(),
      exercises: listExercises(),
    });
    apps.push(app);
    await app.listen();
    await expect(app.ready()).rejects.toThrow();
    await app.pool.ready(); // models loaded: only the store keeps it from being ready
    const res = await fetch(`${app.url}/readyz`);
    expect([res.status, await res.text()]).toEqual([503, 'history store not open']);
    const api = await getJson<{ error: { code: string } }>(`${app.url}/api/sessions`);
    expect([api.status, api.body.error.code]).toEqual([503, 'STORE_UNAVAILABLE']);
  });
});

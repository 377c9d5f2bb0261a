/**
 * Two servers ("pods") on one PostgreSQL: a session started on pod A, dropped, is resumed on pod B
 * with all its reps, because the resumable state lives in the shared store, not in A's memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { connectWs, sleep } from '../../helpers/clients.ts';
import { startServer } from '../../helpers/server.ts';
import { startPostgres, type PostgresCluster } from '../store/postgres-cluster.ts';
import { sendAndCount, squatMessages, systemOf } from './resume-helpers.ts';

describe('resume across pods (shared PostgreSQL)', () => {
  let cluster: PostgresCluster | string = 'not started';
  const pods: App[] = [];

  beforeAll(async () => {
    cluster = await startPostgres();
    if (typeof cluster === 'string') {
      console.warn(`[resume] cross-pod test skipped: ${cluster}`);
      return;
    }
    for (let i = 0; i < 2; i++)
      pods.push(
        await startServer({ rateLimitPerSecond: 5000, rateLimitBurst: 5000, databaseUrl: cluster.url }),
      );
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(pods.map((p) => p.close()));
    if (typeof cluster !== 'string') cluster.stop();
  });

  it('a session dropped on pod A continues on pod B; both pods read the same history', async (ctx) => {
    if (typeof cluster === 'string') ctx.skip();
    const [a, b] = pods as [App, App];
    const onA = await connectWs(a.url);
    const hello = systemOf(await onA.log.waitFor((m) => m.type === 'system'));
    onA.send({ type: 'set_exercise', payload: { exercise: 'squat' } });
    const first = squatMessages(3, 51);
    expect(await sendAndCount(onA.log, onA.send, first.messages, first.frames)).toBe(3);
    onA.ws.terminate();
    await onA.closed;
    await sleep(300); // pod A notices and parks the session in the store

    const onB = await connectWs(b.url);
    await onB.log.waitFor((m) => m.type === 'system');
    onB.send({ type: 'resume', payload: { session_id: hello.session_id, resume_token: hello.resume_token } });
    const resumed = systemOf(
      await onB.log.waitFor((m) => m.type === 'system' && m.payload.status === 'resumed'),
    );
    expect(resumed).toMatchObject({ session_id: hello.session_id, exercise: 'squat' });
    const more = squatMessages(2, 52);
    expect(await sendAndCount(onB.log, onB.send, more.messages, first.frames + more.frames)).toBe(5);
    onB.ws.close(1000);
    await onB.closed;

    // Either pod reads the same history.
    let stored: { status?: string; total_reps?: number; transport?: string } = {};
    for (let i = 0; i < 50 && stored.status !== 'finished'; i++) {
      await sleep(100);
      stored = (await (await fetch(`${a.url}/api/sessions/${hello.session_id}`)).json()) as typeof stored;
    }
    expect(stored).toMatchObject({ status: 'finished', total_reps: 5 });
  });
});

/**
 * Resume on the legacy WebSocket and on socket.io: a client counts reps, its connection dies without a
 * close handshake, it reconnects with `resume`, and the same session goes on counting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { connectIo, connectWs, sleep } from '../../helpers/clients.ts';
import { startServer } from '../../helpers/server.ts';
import { sendAndCount, sendAndSummarise, squatMessages, systemOf } from './resume-helpers.ts';

describe('resume after an abrupt disconnect', () => {
  let app: App;
  const dir = mkdtempSync(join(tmpdir(), 'workout-resume-'));

  beforeAll(async () => {
    app = await startServer({
      rateLimitPerSecond: 5000,
      rateLimitBurst: 5000,
      databaseUrl: `sqlite:${join(dir, 'h.db')}`,
    });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('WebSocket: reps, sets and exercise survive; counting continues; the token rotates', async () => {
    const first = await connectWs(app.url);
    const hello = systemOf(await first.log.waitFor((m) => m.type === 'system'));
    expect(hello.status).toBe('initialized');
    expect(hello.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(hello.resume_token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    first.send({ type: 'set_exercise', payload: { exercise: 'squat' } });
    await first.log.waitFor((m) => m.type === 'system' && m.payload.status === 'exercise_set');
    const a = squatMessages(3, 11);
    expect(await sendAndCount(first.log, first.send, a.messages, a.frames)).toBe(3);
    first.ws.terminate(); // no close frame: the network dropped
    await first.closed;

    const second = await connectWs(app.url);
    const fresh = systemOf(await second.log.waitFor((m) => m.type === 'system'));
    expect(fresh.session_id).not.toBe(hello.session_id);
    second.send({
      type: 'resume',
      payload: { session_id: hello.session_id, resume_token: hello.resume_token },
    });
    const resumed = systemOf(
      await second.log.waitFor((m) => m.type === 'system' && m.payload.status === 'resumed'),
    );
    expect(resumed.session_id).toBe(hello.session_id);
    expect(resumed.exercise).toBe('squat');
    expect(resumed.resume_token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(resumed.resume_token).not.toBe(hello.resume_token);

    const b = squatMessages(2, 12);
    expect(await sendAndCount(second.log, second.send, b.messages, a.frames + b.frames)).toBe(5);
    second.send({ type: 'get_summary' });
    const summary = await second.log.waitFor((m) => m.type === 'summary');
    if (summary.type !== 'summary') throw new Error('no summary');
    expect(summary.payload.session_id).toBe(hello.session_id);
    expect(summary.payload.exercise_details.squat?.total_reps).toBe(5);
    expect(summary.payload.reps?.map((r) => r.index)).toEqual([1, 2, 3, 4, 5]);
    expect(summary.payload.total_frames).toBe(a.frames + b.frames);

    // The old token was used up by the resume.
    const third = await connectWs(app.url);
    await third.log.waitFor((m) => m.type === 'system');
    third.send({
      type: 'resume',
      payload: { session_id: hello.session_id, resume_token: hello.resume_token },
    });
    expect(await third.log.errorCode()).toBe('RESUME_INVALID');
    third.ws.close();

    second.ws.close(1000); // a normal close ends the workout
    await second.closed;
    let stored: { status?: string; total_reps?: number } = {};
    for (let i = 0; i < 50 && stored.status !== 'finished'; i++) {
      await sleep(100);
      stored = (await (await fetch(`${app.url}/api/sessions/${hello.session_id}`)).json()) as typeof stored;
    }
    expect(stored).toMatchObject({ status: 'finished', total_reps: 5 });
  });

  it('socket.io: resume by the `resume` event after the transport drops', async () => {
    const first = await connectIo(app.url);
    const hello = systemOf(await first.log.waitFor((m) => m.type === 'system'));
    first.socket.emit('set_exercise', { exercise: 'squat' });
    await first.log.waitFor((m) => m.type === 'system' && m.payload.status === 'exercise_set');
    const a = squatMessages(2, 21);
    expect(await sendAndSummarise(first.log, (m) => first.socket.emit('message', m), a.messages)).toBe(2);
    first.socket.io.engine.close(); // the transport dies; socket.io sees "transport close"
    await sleep(200);

    const second = await connectIo(app.url);
    await second.log.waitFor((m) => m.type === 'system');
    second.socket.emit('resume', { session_id: hello.session_id, resume_token: hello.resume_token });
    const resumed = systemOf(
      await second.log.waitFor((m) => m.type === 'system' && m.payload.status === 'resumed'),
    );
    expect(resumed.session_id).toBe(hello.session_id);
    const b = squatMessages(2, 22);
    expect(await sendAndSummarise(second.log, (m) => second.socket.emit('message', m), b.messages)).toBe(4);
    second.socket.disconnect();
  });

  it('a forged token or an unknown session gets RESUME_INVALID and the fresh session goes on', async () => {
    const victim = await connectWs(app.url);
    const target = systemOf(await victim.log.waitFor((m) => m.type === 'system'));
    victim.ws.terminate();

    const client = await connectWs(app.url);
    const mine = systemOf(await client.log.waitFor((m) => m.type === 'system'));
    const forged = 'A'.repeat(22);
    client.send({ type: 'resume', payload: { session_id: target.session_id, resume_token: forged } });
    expect(await client.log.errorCode()).toBe('RESUME_INVALID');
    let from = client.log.messages.length;
    client.send({
      type: 'resume',
      payload: { session_id: '00000000-0000-0000-0000-000000000000', resume_token: mine.resume_token },
    });
    expect(await client.log.errorCode(from)).toBe('RESUME_INVALID');
    from = client.log.messages.length;
    client.send({ type: 'resume', payload: { session_id: target.session_id, resume_token: 'not a token' } });
    expect(await client.log.errorCode(from)).toBe('RESUME_INVALID');

    client.send({ type: 'set_exercise', payload: { exercise: 'squat' } });
    const a = squatMessages(2, 31);
    expect(await sendAndCount(client.log, client.send, a.messages, a.frames)).toBe(2);
    client.send({ type: 'get_summary' });
    const summary = await client.log.waitFor((m) => m.type === 'summary');
    expect(summary.type === 'summary' && summary.payload.session_id).toBe(mine.session_id);
    client.ws.close();
  });
});

describe('resume window', () => {
  let app: App;
  const dir = mkdtempSync(join(tmpdir(), 'workout-resume-window-'));

  beforeAll(async () => {
    app = await startServer({
      rateLimitPerSecond: 5000,
      rateLimitBurst: 5000,
      resumeWindowMs: 300,
      databaseUrl: `sqlite:${join(dir, 'h.db')}`,
    });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an expired token is refused and the session is stored as abandoned, reps kept', async () => {
    const first = await connectWs(app.url);
    const hello = systemOf(await first.log.waitFor((m) => m.type === 'system'));
    first.send({ type: 'set_exercise', payload: { exercise: 'squat' } });
    const a = squatMessages(2, 41);
    expect(await sendAndCount(first.log, first.send, a.messages, a.frames)).toBe(2);
    first.ws.terminate();
    await first.closed;
    await sleep(700);

    const second = await connectWs(app.url);
    await second.log.waitFor((m) => m.type === 'system');
    second.send({
      type: 'resume',
      payload: { session_id: hello.session_id, resume_token: hello.resume_token },
    });
    expect(await second.log.errorCode()).toBe('RESUME_INVALID');
    second.ws.close();

    const stored = (await (await fetch(`${app.url}/api/sessions/${hello.session_id}`)).json()) as {
      status: string;
      summary: { reps: unknown[] };
    };
    expect(stored.status).toBe('abandoned');
    expect(stored.summary.reps).toHaveLength(2);
  });
});

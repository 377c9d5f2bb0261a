/** Edge mode: the client runs pose and sends only landmarks; the server analyses them as usual. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { connectWs } from '../../helpers/clients.ts';
import { generateExercise } from '../../helpers/motion-generator.ts';
import { startServer } from '../../helpers/server.ts';

describe('edge mode (landmarks instead of frames)', () => {
  let app: App;
  beforeAll(async () => {
    // The test replays a recorded stream faster than real time: lift the per-connection rate limit.
    app = await startServer({ rateLimitPerSecond: 5000, rateLimitBurst: 5000 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('counts the reps of a landmark stream, on the client clock', async () => {
    const client = await connectWs(app.url);
    await client.log.waitFor((m) => m.type === 'system');
    client.send({ type: 'set_exercise', payload: { exercise: 'squat' } });
    await client.log.waitFor((m) => m.type === 'system' && m.payload.status === 'exercise_set');
    const frames = generateExercise('squat', { reps: 4, fps: 30, seed: 7 });
    // Sent as fast as possible: timestamps, not arrival times, carry the tempo.
    for (const f of frames) {
      client.send({ type: 'landmarks', payload: { landmarks: f.landmarks, width: 640, height: Math.round(640 / f.aspect), timestamp_ms: f.t * 1000 } });
    }
    const last = await client.log.waitFor((m) => m.type === 'workout' && m.payload.frame_count === frames.length);
    expect(last.type === 'workout' && last.payload.reps).toBe(4);
    expect(last.type === 'workout' && last.payload.exercise).toBe('squat');
    // The landmarks come back for drawing, rounded for the wire: 1e-4 of the frame side, visibility 1e-3.
    const sent = frames.at(-1)!.landmarks!;
    const echoed = last.type === 'workout' ? last.payload.landmarks : undefined;
    expect(echoed).toHaveLength(33);
    echoed!.forEach((lm, i) => {
      lm.forEach((v, c) => expect(Math.abs(v - sent[i]![c]!)).toBeLessThanOrEqual(c < 3 ? 5e-5 : 5e-4));
      for (const v of lm.slice(0, 3)) expect(Math.round(v * 1e4)).toBeCloseTo(v * 1e4, 6);
    });
    client.send({ type: 'get_summary' });
    const summary = await client.log.waitFor((m) => m.type === 'summary');
    expect(summary.type === 'summary' && summary.payload.reps?.length).toBe(4);
    client.ws.close();
  });

  it('rejects malformed landmarks with INVALID_LANDMARKS and goes on', async () => {
    const client = await connectWs(app.url);
    await client.log.waitFor((m) => m.type === 'system');
    client.send({ type: 'landmarks', payload: { landmarks: [[0, 0, 0, 1]], width: 640, height: 360 } });
    expect(await client.log.errorCode()).toBe('INVALID_LANDMARKS');
    const from = client.log.messages.length;
    client.send({ type: 'landmarks', payload: { landmarks: null, width: 640, height: 360 } });
    const w = await client.log.waitFor((m) => m.type === 'workout', 10_000, from);
    expect(w.type === 'workout' && w.payload.landmarks_detected).toBe(false);
    client.ws.close();
  });
});

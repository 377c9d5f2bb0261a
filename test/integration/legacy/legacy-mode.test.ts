import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { connectIo, connectWs, sleep, type WsClient } from '../../helpers/clients.ts';
import { dataUrl, jpegOf, pngClaiming } from '../../helpers/images.ts';
import { startServer } from '../../helpers/server.ts';
import { clipPath, HAS_SHARED, jpegFrames } from '../../helpers/shared.ts';

const SQUAT_CLIP = 'clips/MrPose/squat2_552dddf.mp4';

describe('legacy mode (plain WebSocket /ws/workout/ and socket.io)', () => {
  let app: App;
  let frames: string[] = [];
  let blank: string;

  beforeAll(async () => {
    app = await startServer({ rateLimitPerSecond: 40, rateLimitBurst: 40 });
    blank = dataUrl(await jpegOf(640, 360, { r: 128, g: 128, b: 128 }));
    if (HAS_SHARED) frames = jpegFrames(clipPath(SQUAT_CLIP), 7, 24);
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Sends each frame once the previous one's result is back, so every frame is analysed whatever the load. */
  async function sendLockstep(client: WsClient, payloads: string[]): Promise<void> {
    for (const payload of payloads) {
      const from = client.log.messages.length;
      client.send({ type: 'frame', payload });
      await client.log.waitFor((m) => m.type === 'workout' || m.type === 'error', 15_000, from);
    }
  }

  it('greets with the seed system message plus protocol version and session id', async () => {
    const client = await connectWs(app.url);
    const system = await client.log.waitFor((m) => m.type === 'system');
    expect(system.type === 'system' && system.payload).toMatchObject({
      status: 'initialized',
      message: 'Workout analyzer ready',
      model_loaded: true,
      protocol_version: '1.0',
    });
    if (system.type === 'system') {
      expect(system.payload.supported_exercises).toBeGreaterThanOrEqual(22);
      expect(system.payload.session_id).toMatch(/^[0-9a-f-]{36}$/);
    }
    client.ws.close();
  });

  it.skipIf(!HAS_SHARED)('analyses the frames of a real clip: landmarks on most frames, none on an empty one', async () => {
    const client = await connectWs(app.url);
    await client.log.waitFor((m) => m.type === 'system');
    await sendLockstep(client, frames);
    const workouts = client.log.of('workout');
    expect(workouts).toHaveLength(frames.length);
    const detected = workouts.filter((w) => w.payload.landmarks_detected).length;
    expect(detected / workouts.length).toBeGreaterThan(0.8);
    const last = workouts.at(-1)!.payload;
    expect(last.landmarks).toHaveLength(33);
    expect(last.form_color).toHaveLength(3);
    expect(last.session_time).toBeGreaterThan(0);

    const before = client.log.messages.length;
    client.send({ type: 'frame', payload: blank });
    const empty = await client.log.waitFor((m) => m.type === 'workout', 15_000, before);
    expect(empty.type === 'workout' && empty.payload.landmarks_detected).toBe(false);
    expect(empty.type === 'workout' && empty.payload.landmarks).toBeUndefined();

    const at = client.log.messages.length;
    client.send({ type: 'get_summary' });
    const summary = await client.log.waitFor((m) => m.type === 'summary', 15_000, at);
    expect(summary.type === 'summary' && summary.payload.total_frames).toBeGreaterThan(0);
    expect(client.log.invalid).toEqual([]);
    client.ws.close();
  });

  it('answers every bad input with its error code and keeps the session usable', async () => {
    const client = await connectWs(app.url);
    await client.log.waitFor((m) => m.type === 'system');
    const jpeg = await jpegOf(320, 240);
    const cases: [unknown, string][] = [
      ['{not json', 'BAD_JSON'],
      [{ type: 'teleport' }, 'UNKNOWN_TYPE'],
      [{ type: 'frame' }, 'MISSING_PAYLOAD'],
      [{ type: 'frame', payload: 12 }, 'INVALID_MESSAGE'],
      [{ type: 'frame', payload: 'data:image/jpeg;base64,%%%' }, 'INVALID_FRAME'],
      [{ type: 'frame', payload: dataUrl(Buffer.from('hello, this is plain text')) }, 'UNSUPPORTED_IMAGE_TYPE'],
      [{ type: 'frame', payload: dataUrl(jpeg.subarray(0, jpeg.length >> 1)) }, 'CORRUPT_IMAGE'],
      [{ type: 'frame', payload: dataUrl(pngClaiming(65535, 65535), 'image/png') }, 'IMAGE_TOO_LARGE'],
      [{ type: 'set_exercise', payload: { exercise: 'underwater basket weaving' } }, 'UNKNOWN_EXERCISE'],
    ];
    for (const [msg, code] of cases) {
      const from = client.log.messages.length;
      client.send(msg);
      expect(await client.log.errorCode(from)).toBe(code);
    }
    const from = client.log.messages.length;
    client.send({ type: 'frame', payload: dataUrl(jpeg) });
    const ok = await client.log.waitFor((m) => m.type === 'workout', 15_000, from);
    expect(ok.type).toBe('workout');
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.ws.close();
  });

  it('closes an oversized message cleanly (1009) without disturbing another session', async () => {
    const bystander = await connectWs(app.url);
    const client = await connectWs(app.url);
    client.send({ type: 'frame', payload: 'data:image/jpeg;base64,' + 'A'.repeat(20 * 1024 * 1024) });
    expect(await client.closed).toBe(1009);
    const from = bystander.log.messages.length;
    bystander.send({ type: 'frame', payload: blank });
    expect((await bystander.log.waitFor((m) => m.type === 'workout', 15_000, from)).type).toBe('workout');
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    bystander.ws.close();
  });

  it('throttles, then disconnects a 200 frames/s flood (1008); others are unaffected', async () => {
    const bystander = await connectWs(app.url);
    const flooder = await connectWs(app.url);
    const small = dataUrl(await jpegOf(64, 64));
    let sent = 0;
    const flood = (async () => {
      for (let i = 0; i < 1000 && flooder.ws.readyState === flooder.ws.OPEN; i++) {
        flooder.send({ type: 'frame', payload: small });
        sent++;
        await sleep(5);
      }
    })();
    expect(await flooder.closed).toBe(1008);
    await flood;
    expect(sent).toBeLessThan(1000);
    expect(flooder.log.of('error').some((e) => e.payload.code === 'RATE_LIMITED')).toBe(true);
    const from = bystander.log.messages.length;
    bystander.send({ type: 'frame', payload: blank });
    expect((await bystander.log.waitFor((m) => m.type === 'workout', 15_000, from)).type).toBe('workout');
    bystander.ws.close();
  });

  it.skipIf(!HAS_SHARED)('speaks the same protocol over socket.io events', async () => {
    const { socket, log } = await connectIo(app.url);
    await log.waitFor((m) => m.type === 'system');
    for (const [i, payload] of frames.slice(0, 10).entries()) {
      socket.emit('frame', payload);
      await log.waitFor((m) => m.type === 'workout' && m.payload.frame_count === i + 1);
    }
    expect(log.of('workout').filter((w) => w.payload.landmarks_detected).length).toBeGreaterThanOrEqual(8);
    socket.emit('frame', 'data:image/jpeg;base64,%%%');
    expect(await log.errorCode(log.messages.length - 1)).toBe('INVALID_FRAME');
    socket.emit('get_summary');
    const summary = await log.waitFor((m) => m.type === 'summary');
    // 11 frames received (the bad one included), 10 analysed.
    expect(summary.type === 'summary' && summary.payload.total_frames).toBe(11);
    expect(summary.type === 'summary' && summary.payload.analyzed_frames).toBe(10);
    expect(log.invalid).toEqual([]);
    socket.disconnect();
  });

  it('exports readiness and metrics with fixed labels', async () => {
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/workout_frames_received_total\{transport="websocket"\} \d+/);
    expect(metrics).toMatch(/workout_backend_info\{backend="(wasm|cpu|tensorflow)",pose_model="blazepose-lite",crop_sampler="wasm-simd"\} 1/);
    expect(metrics).toContain('workout_frame_latency_seconds_bucket');
    expect(metrics).toContain('workout_pose_inference_seconds_bucket');
    expect(metrics).toContain('process_cpu_seconds_total');
    // Client strings never become label values.
    expect(metrics).not.toContain('teleport');
    expect(metrics).not.toContain('underwater');
  });
});

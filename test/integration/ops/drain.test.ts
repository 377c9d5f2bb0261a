/**
 * SIGTERM on the real server process: readiness turns 503, new sessions are refused with the retryable
 * SERVER_DRAINING, every connected client (plain WebSocket, socket.io, WebRTC data channel) receives its
 * summary, and once DRAIN_TIMEOUT_MS has passed everything is closed and the process exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../../bench/server-process.ts';
import { ERROR_CODES } from '../../../signaling/index.ts';
import { connectIo, connectWs, type IoClient, type WsClient } from '../../helpers/clients.ts';
import { findClip } from '../../helpers/clips.ts';
import { dataUrl, jpegOf } from '../../helpers/images.ts';
import { RtpSender } from '../../helpers/rtp-sender.ts';

const DRAIN_TIMEOUT_MS = 4000;

describe('graceful drain on SIGTERM', () => {
  let server: ServerProcess;
  let ws: WsClient;
  let io: IoClient;
  let rtcSignaling: IoClient;
  let rtc: RtpSender;

  beforeAll(async () => {
    server = await startServerProcess({
      DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS),
      POSE_WORKERS: '1',
      ICE_ADDITIONAL_HOST_ADDRESSES: '["127.0.0.1"]',
    });
    ws = await connectWs(server.url);
    io = await connectIo(server.url);
    rtcSignaling = await connectIo(server.url);
    rtc = new RtpSender({ codec: 'vp8', clip: findClip(), fps: 15, startSeconds: 7 });
    const answer = (await rtcSignaling.socket.emitWithAck('offer', await rtc.createOffer())) as {
      type: 'answer';
      sdp: string;
    };
    await rtc.acceptAnswer(answer);
    await rtc.connected();
    await rtc.startVideo();
    await rtc.waitForMessage((t) => t.includes('"workout"'), 30_000);
    // Each legacy session has analysed a frame, so its summary counts it.
    const frame = dataUrl(await jpegOf(320, 240));
    ws.send({ type: 'frame', payload: frame });
    io.socket.emit('frame', frame);
    await ws.log.waitFor((m) => m.type === 'workout');
    await io.log.waitFor((m) => m.type === 'workout');
  });
  afterAll(async () => {
    await rtc?.close();
    for (const c of [io, rtcSignaling]) c?.socket.disconnect();
    ws?.ws.terminate();
    await server?.stop();
  });

  it('sends every client its summary, refuses newcomers, then exits 0', async () => {
    const exited = new Promise<{ code: number | null; afterMs: number }>((resolve) => {
      const t0 = performance.now();
      server.child.once('exit', (code) => resolve({ code, afterMs: performance.now() - t0 }));
    });
    const wsFrom = ws.log.messages.length;
    const ioFrom = io.log.messages.length;
    const rtcFrom = rtc.messages.length;
    server.child.kill('SIGTERM');

    const [wsSummary, ioSummary] = await Promise.all([
      ws.log.waitFor((m) => m.type === 'summary', 5000, wsFrom),
      io.log.waitFor((m) => m.type === 'summary', 5000, ioFrom),
    ]);
    expect(wsSummary.type === 'summary' && wsSummary.payload.total_frames).toBeGreaterThanOrEqual(1);
    expect(ioSummary.type === 'summary' && ioSummary.payload.total_frames).toBeGreaterThanOrEqual(1);
    await rtc.waitForMessage(() => rtc.messages.slice(rtcFrom).some((t) => t.includes('"summary"')), 5000);
    const rtcSummary = JSON.parse(rtc.messages.slice(rtcFrom).find((t) => t.includes('"summary"'))!) as {
      payload: { total_frames: number };
    };
    expect(rtcSummary.payload.total_frames).toBeGreaterThanOrEqual(1);
    // The notice that tells clients to reconnect elsewhere, and that doing so helps.
    expect(await ws.log.errorCode(wsFrom)).toBe('SERVER_DRAINING');
    expect(ERROR_CODES.SERVER_DRAINING.retryable).toBe(true);

    // Still listening while it drains: not ready, and newcomers are turned away.
    const readyz = await fetch(`${server.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.text()).toBe('draining');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const late = await connectWs(server.url);
    expect(await late.log.errorCode()).toBe('SERVER_DRAINING');
    expect(await late.closed).toBe(1013);
    const lateIo = await connectIo(server.url);
    expect(await lateIo.log.errorCode()).toBe('SERVER_DRAINING');
    lateIo.socket.disconnect();

    // The clients stay; after DRAIN_TIMEOUT_MS the server closes them and exits cleanly.
    const { code, afterMs } = await exited;
    expect(code).toBe(0);
    expect(afterMs).toBeGreaterThanOrEqual(DRAIN_TIMEOUT_MS - 200);
    expect(afterMs).toBeLessThan(DRAIN_TIMEOUT_MS + 8000);
    expect(await ws.closed).toBe(1001);
  });
});

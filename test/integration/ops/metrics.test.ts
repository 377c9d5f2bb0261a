/** The operations metrics are real: media counters of a live WebRTC call, call setup phases, the session cap. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { connectIo, connectWs, sleep } from '../../helpers/clients.ts';
import { findClip } from '../../helpers/clips.ts';
import { RtpSender } from '../../helpers/rtp-sender.ts';
import { startServer } from '../../helpers/server.ts';

/** The value of one sample (`name{labels} value`), 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('operations metrics', () => {
  let app: App;
  const metrics = async (): Promise<string> => (await fetch(`${app.url}/metrics`)).text();

  beforeAll(async () => {
    app = await startServer({ iceAdditionalHostAddresses: ['127.0.0.1'], maxSessions: 2, poseWarmupMs: 400 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('warms each pose worker up before reporting ready: blocks of 10 landmark calls within the budget', () => {
    const [warmup] = app.pool.warmups;
    expect(warmup).not.toBeNull();
    // At least one block of 10 calls always runs; the 400 ms budget stops it within a few blocks.
    expect(warmup!.calls % 10).toBe(0);
    expect(warmup!.calls).toBeGreaterThanOrEqual(10);
    expect(warmup!.firstBlockMs).toBeGreaterThan(0);
    expect(warmup!.lastBlockMs).toBeGreaterThan(0);
  });

  it('exports a WebRTC call: RTP, keyframe requests, ffmpeg, setup phases; counters survive its end', async () => {
    const io = await connectIo(app.url);
    const sender = new RtpSender({ codec: 'vp8', clip: findClip(), fps: 15, startSeconds: 7 });
    try {
      const answer = (await io.socket.emitWithAck('offer', await sender.createOffer())) as {
        type: 'answer';
        sdp: string;
      };
      await sender.acceptAnswer(answer);
      await sender.connected();
      await sender.startVideo();
      await sender.waitForMessage((t) => t.includes('"workout"'), 30_000);
      const live = await metrics();
      expect(sample(live, 'workout_rtp_packets_received_total')).toBeGreaterThan(10);
      expect(sample(live, 'workout_rtp_received_bytes_total')).toBeGreaterThan(1000);
      expect(sample(live, 'workout_rtcp_pli_sent_total')).toBeGreaterThanOrEqual(1);
      expect(sample(live, 'workout_ffmpeg_processes')).toBe(1);
      expect(sample(live, 'workout_webrtc_calls_active')).toBe(1);
      for (const phase of ['ice_connected', 'dtls_connected', 'first_frame', 'first_result']) {
        expect(sample(live, 'workout_session_setup_seconds_count', `phase="${phase}"`), phase).toBe(1);
      }
      expect(sample(live, 'workout_decode_seconds_count', 'transport="webrtc"')).toBeGreaterThan(0);
      const packets = sample(live, 'workout_rtp_packets_received_total');

      io.socket.emit('hangup');
      for (let i = 0; i < 50 && sample(await metrics(), 'workout_webrtc_calls_active') > 0; i++)
        await sleep(100);
      const after = await metrics();
      expect(sample(after, 'workout_webrtc_calls_active')).toBe(0);
      expect(sample(after, 'workout_ffmpeg_processes')).toBe(0);
      expect(sample(after, 'workout_rtp_packets_received_total')).toBeGreaterThanOrEqual(packets);
      expect(sample(after, 'workout_session_duration_seconds_count', 'transport="webrtc"')).toBe(1);
    } finally {
      await sender.close();
      io.socket.disconnect();
    }
  });

  it('at MAX_SESSIONS: not ready, newcomers get SESSION_LIMIT (counted), ready again when one leaves', async () => {
    const first = await connectWs(app.url);
    const second = await connectIo(app.url);
    await first.log.waitFor((m) => m.type === 'system');
    await second.log.waitFor((m) => m.type === 'system');
    const readyz = await fetch(`${app.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.text()).toBe('at session limit');

    const third = await connectWs(app.url);
    expect(await third.log.errorCode()).toBe('SESSION_LIMIT');
    expect(await third.closed).toBe(1013);
    const fourth = await connectIo(app.url);
    expect(await fourth.log.errorCode()).toBe('SESSION_LIMIT');
    fourth.socket.disconnect();
    const text = await metrics();
    expect(sample(text, 'workout_rejections_total', 'reason="session_limit"')).toBe(2);
    expect(sample(text, 'workout_sessions_limit')).toBe(2);

    first.ws.close();
    await first.closed;
    for (let i = 0; i < 20 && (await fetch(`${app.url}/readyz`)).status !== 200; i++) await sleep(50);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    second.socket.disconnect();
  });
});

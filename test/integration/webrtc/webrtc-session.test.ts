import { execSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverMessageSchema, type ServerMessage } from '../../../signaling/index.ts';
import type { App } from '../../../src/app.ts';
import { connectIo, sleep, type IoClient } from '../../helpers/clients.ts';
import { DEFAULT_PERSON_CLIP, findClip } from '../../helpers/clips.ts';
import { RtpSender, type SenderCodec } from '../../helpers/rtp-sender.ts';
import { startServer } from '../../helpers/server.ts';
import { generateExercise } from '../../helpers/motion-generator.ts';
import { RTCPeerConnection } from 'werift';

const clip = findClip(DEFAULT_PERSON_CLIP);

/** The server's decoder children (the test sender's own ffmpeg writes RTP, not rawvideo; [f] keeps pgrep's own shell out). */
function ffmpegChildren(): number {
  try {
    return Number(execSync(`pgrep -c -P ${process.pid} -f '[f]fmpeg.*rawvideo'`, { encoding: 'utf8' }).trim());
  } catch {
    return 0;
  }
}

function parsed(messages: string[]): ServerMessage[] {
  return messages.map((m) => serverMessageSchema.parse(JSON.parse(m)));
}

describe('WebRTC: socket.io signaling, video in, results on the data channel', () => {
  let app: App;
  let io: IoClient | undefined;
  let sender: RtpSender | undefined;

  beforeAll(async () => {
    app = await startServer({ iceAdditionalHostAddresses: ['127.0.0.1'], firstFrameTimeoutMs: 15_000, rateLimitPerSecond: 5000, rateLimitBurst: 5000 });
  });
  afterEach(async () => {
    await sender?.close();
    io?.socket.disconnect();
    sender = undefined;
    io = undefined;
  });
  afterAll(async () => {
    await app?.close();
  });

  async function call(codec: SenderCodec): Promise<RtpSender> {
    io = await connectIo(app.url);
    const s = new RtpSender({ codec, clip, fps: 30, gop: 10, startSeconds: 7 });
    sender = s;
    const answer = (await io.socket.emitWithAck('offer', await s.createOffer())) as { type: 'answer'; sdp: string };
    expect(answer.type).toBe('answer');
    expect(answer.sdp).toContain('a=candidate');
    await s.acceptAnswer(answer);
    await s.connected();
    await s.startVideo();
    return s;
  }

  it.each(['vp8', 'h264'] as const)('%s: streams a clip and receives workout results', async (codec) => {
    const s = await call(codec);
    const system = serverMessageSchema.parse(JSON.parse(await s.waitForMessage((t) => t.includes('"system"'), 15_000)));
    expect(system.type === 'system' && system.payload.status).toBe('initialized');
    await s.waitForMessage(() => parsed(s.messages).filter((m) => m.type === 'workout').length >= 20, 30_000);
    const workouts = parsed(s.messages).filter((m) => m.type === 'workout');
    if (clip) {
      const detected = workouts.filter((w) => w.type === 'workout' && w.payload.landmarks_detected).length;
      expect(detected / workouts.length).toBeGreaterThan(0.8);
    }
    const latencies = workouts.map((w) => (w.type === 'workout' ? (w.payload.latency_ms ?? NaN) : NaN));
    expect(latencies.every((l) => Number.isFinite(l) && l >= 0)).toBe(true);

    s.channel.send(JSON.stringify({ type: 'get_summary' }));
    const summary = serverMessageSchema.parse(JSON.parse(await s.waitForMessage((t) => t.includes('"summary"'))));
    expect(summary.type === 'summary' && summary.payload.total_frames).toBeGreaterThanOrEqual(20);

    // Hangup: a final summary on the data channel, then everything is released.
    const before = s.messages.length;
    io!.socket.emit('hangup');
    for (let i = 0; i < 100 && !s.messages.slice(before).some((t) => t.includes('"summary"')); i++) await sleep(100);
    expect(s.messages.slice(before).some((t) => t.includes('"summary"'))).toBe(true);
    for (let i = 0; i < 50 && ffmpegChildren() > 0; i++) await sleep(100);
    expect(ffmpegChildren()).toBe(0);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/workout_frames_analyzed_total\{transport="webrtc"\} [1-9]/);
  });

  it('edge mode: a data-channel-only call carries landmarks in and results out, no video', async () => {
    io = await connectIo(app.url);
    const pc = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, bundlePolicy: 'max-bundle', iceAdditionalHostAddresses: ['127.0.0.1'] });
    const channel = pc.createDataChannel('workout');
    const received: ServerMessage[] = [];
    channel.onMessage.subscribe((d) => received.push(serverMessageSchema.parse(JSON.parse(String(d)))));
    await pc.setLocalDescription(await pc.createOffer());
    const answer = (await io.socket.emitWithAck('offer', { type: 'offer', sdp: pc.localDescription!.sdp })) as { type: 'answer'; sdp: string };
    expect(answer.type).toBe('answer');
    await pc.setRemoteDescription(answer);
    for (let i = 0; i < 100 && channel.readyState !== 'open'; i++) await sleep(100);
    expect(channel.readyState).toBe('open');
    channel.send(JSON.stringify({ type: 'set_exercise', payload: { exercise: 'squat' } }));
    const frames = generateExercise('squat', { reps: 2, fps: 30, seed: 5 });
    for (const [i, f] of frames.entries()) {
      channel.send(JSON.stringify({ type: 'landmarks', payload: { landmarks: f.landmarks, width: 640, height: 360, timestamp_ms: f.t * 1000 } }));
      if (i % 20 === 0) await sleep(10);
    }
    for (let i = 0; i < 100 && !received.some((m) => m.type === 'workout' && m.payload.reps === 2); i++) await sleep(100);
    expect(received[0]?.type).toBe('system');
    expect(received.some((m) => m.type === 'workout' && m.payload.reps === 2)).toBe(true);
    await pc.close();
  });

  it('answers bad offers through the ack with a protocol error code', async () => {
    io = await connectIo(app.url);
    const ack = async (offer: unknown): Promise<{ error?: { code: string } }> =>
      (await io!.socket.emitWithAck('offer', offer)) as { error?: { code: string } };
    expect((await ack({ type: 'offer', sdp: 'hello' })).error?.code).toBe('SDP_INVALID');
    expect((await ack({ type: 'offer', sdp: 'v=0\r\n' + 'a=x\r\n'.repeat(20_000) })).error?.code).toBe('SDP_TOO_LARGE');
    const audioOnly = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n';
    expect((await ack({ type: 'offer', sdp: audioOnly })).error?.code).toBe('NO_SUPPORTED_CODEC');
    expect((await ack({ sdp: 42 })).error?.code).toBe('SDP_INVALID');
  });

  it('releases the call when the socket drops abruptly', async () => {
    for (let i = 0; i < 50 && ffmpegChildren() > 0; i++) await sleep(100);
    await call('vp8');
    await sender!.waitForMessage((t) => t.includes('"workout"'), 20_000);
    expect(ffmpegChildren()).toBe(1);
    io!.socket.io.engine.close();
    for (let i = 0; i < 50 && ffmpegChildren() > 0; i++) await sleep(100);
    expect(ffmpegChildren()).toBe(0);
  });
});

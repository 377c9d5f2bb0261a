/**
 * Resume on the WebRTC data channel: a call counts reps (edge-mode landmarks on the channel), the
 * phone's network drops (socket and peer die together), a new call resumes the same session.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverMessageSchema, type ServerMessage } from '../../../signaling/index.ts';
import type { App } from '../../../src/app.ts';
import { connectIo, sleep, type IoClient } from '../../helpers/clients.ts';
import { RtpSender } from '../../helpers/rtp-sender.ts';
import { startServer } from '../../helpers/server.ts';
import { squatMessages, systemOf } from './resume-helpers.ts';

const parse = (text: string): ServerMessage => serverMessageSchema.parse(JSON.parse(text));

describe('resume over the WebRTC data channel', () => {
  let app: App;
  const open: { io: IoClient; sender: RtpSender }[] = [];

  beforeAll(async () => {
    // No video is sent: the data channel alone carries landmarks, so the first-frame timer must wait.
    app = await startServer({
      iceAdditionalHostAddresses: ['127.0.0.1'],
      firstFrameTimeoutMs: 120_000,
      rateLimitPerSecond: 5000,
      rateLimitBurst: 5000,
      databaseUrl: 'sqlite::memory:',
    });
  });
  afterEach(async () => {
    for (const c of open.splice(0)) {
      await c.sender.close();
      c.io.socket.disconnect();
    }
  });
  afterAll(async () => {
    await app?.close();
  });

  async function call(): Promise<{ io: IoClient; sender: RtpSender; hello: ReturnType<typeof systemOf> }> {
    const io = await connectIo(app.url);
    const sender = new RtpSender({ codec: 'vp8' });
    open.push({ io, sender });
    const answer = (await io.socket.emitWithAck('offer', await sender.createOffer())) as {
      type: 'answer';
      sdp: string;
    };
    await sender.acceptAnswer(answer);
    await sender.connected();
    const hello = systemOf(parse(await sender.waitForMessage((t) => t.includes('"system"'), 15_000)));
    return { io, sender, hello };
  }

  async function squatsCounted(sender: RtpSender, reps: number, seed: number): Promise<number> {
    const before = sender.messages.length;
    for (const m of squatMessages(reps, seed).messages) sender.send(JSON.stringify(m));
    sender.send(JSON.stringify({ type: 'get_summary' }));
    await sender.waitForMessage(
      (t) => sender.messages.indexOf(t) >= before && t.includes('"summary"'),
      20_000,
    );
    const summary = parse(sender.messages.slice(before).find((t) => t.includes('"summary"')) ?? '');
    return summary.type === 'summary' ? (summary.payload.exercise_details.squat?.total_reps ?? 0) : -1;
  }

  it('keeps the reps and counts on after the network drops', async () => {
    const first = await call();
    first.sender.send(JSON.stringify({ type: 'set_exercise', payload: { exercise: 'squat' } }));
    expect(await squatsCounted(first.sender, 2, 61)).toBe(2);
    // The network is gone: signaling and media die together, nobody hangs up.
    first.io.socket.io.engine.close();
    await sleep(500);

    const second = await call();
    expect(second.hello.session_id).not.toBe(first.hello.session_id);
    const before = second.sender.messages.length;
    second.sender.send(
      JSON.stringify({
        type: 'resume',
        payload: { session_id: first.hello.session_id, resume_token: first.hello.resume_token },
      }),
    );
    const resumed = systemOf(
      parse(
        await second.sender.waitForMessage(
          (t) => second.sender.messages.indexOf(t) >= before && t.includes('"resumed"'),
          10_000,
        ),
      ),
    );
    expect(resumed).toMatchObject({
      status: 'resumed',
      session_id: first.hello.session_id,
      exercise: 'squat',
    });
    expect(await squatsCounted(second.sender, 2, 62)).toBe(4);
  });
});

/**
 * Faults and hygiene of the WebRTC path at full stack: the decoder killed mid-stream, packet loss,
 * and 50 connect/stream/disconnect cycles that must leave no ffmpeg child and no extra handle.
 */
import { execSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { connectIo, sleep } from '../../helpers/clients.ts';
import { DEFAULT_PERSON_CLIP, findClip } from '../../helpers/clips.ts';
import { RtpSender } from '../../helpers/rtp-sender.ts';
import { startServer } from '../../helpers/server.ts';

const clip = findClip(DEFAULT_PERSON_CLIP);

/** pids of the server's decoder children ([f] keeps pgrep's own shell out of the match). */
function decoderPids(): number[] {
  try {
    return execSync(`pgrep -P ${process.pid} -f '[f]fmpeg.*rawvideo'`, { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!pred() && performance.now() < deadline) await sleep(20);
  return pred();
}

function activeHandles(): number {
  return (process as unknown as { _getActiveHandles: () => unknown[] })._getActiveHandles().length;
}

describe('WebRTC faults and resource hygiene', () => {
  let app: App;
  beforeAll(async () => {
    app = await startServer({ iceAdditionalHostAddresses: ['127.0.0.1'], mediaTimeoutMs: 3000 });
  });
  afterAll(async () => {
    await app?.close();
  });

  async function call(options: { lossRate?: number } = {}): Promise<{ sender: RtpSender; hangup: () => Promise<void>; vanish: () => Promise<void> }> {
    const io = await connectIo(app.url);
    const sender = new RtpSender({ codec: 'vp8', clip, fps: 30, gop: 10, startSeconds: 7, ...options });
    const answer = (await io.socket.emitWithAck('offer', await sender.createOffer())) as { type: 'answer'; sdp: string };
    await sender.acceptAnswer(answer);
    await sender.connected();
    await sender.startVideo();
    return {
      sender,
      hangup: async () => {
        io.socket.emit('hangup');
        await sender.close();
        io.socket.disconnect();
      },
      // A closed tab: the transport drops without a goodbye.
      vanish: async () => {
        io.socket.io.engine.close();
        await sender.close();
      },
    };
  }

  const workoutTimes = (sender: RtpSender, times: number[]): void => {
    sender.channel.onMessage.subscribe((data) => {
      if (String(data).includes('"type":"workout"')) times.push(performance.now());
    });
  };

  it('results resume within 1 s after the decoder is killed; counters survive', async () => {
    const { sender, hangup } = await call();
    try {
      const times: number[] = [];
      workoutTimes(sender, times);
      expect(await until(() => times.length >= 10, 20_000)).toBe(true);
      const [pid] = decoderPids();
      expect(pid).toBeGreaterThan(0);
      const killedAt = performance.now();
      process.kill(pid!, 'SIGKILL');
      expect(await until(() => times.some((t) => t > killedAt + 50) && decoderPids().some((p) => p !== pid), 5_000)).toBe(true);
      const resumedAfter = times.find((t) => t > killedAt + 50)! - killedAt;
      console.log(`results resumed ${resumedAfter.toFixed(0)} ms after SIGKILL of the decoder`);
      expect(resumedAfter).toBeLessThan(1000);
      sender.send(JSON.stringify({ type: 'get_summary' }));
      const summary = JSON.parse(await sender.waitForMessage((t) => t.includes('"summary"'))) as { payload: { total_frames: number } };
      expect(summary.payload.total_frames).toBeGreaterThan(10);
    } finally {
      await hangup();
    }
  });

  it('keeps frames flowing under 3% packet loss', async () => {
    const { sender, hangup } = await call({ lossRate: 0.03 });
    try {
      const times: number[] = [];
      workoutTimes(sender, times);
      const start = performance.now();
      await sleep(6000);
      console.log(`3% loss: ${sender.packetsDropped} of ${sender.packetsSent + sender.packetsDropped} packets dropped, ${times.length} results in 6 s`);
      expect(sender.packetsDropped).toBeGreaterThan(0);
      // Flowing means no stall: results in every 2 s of the window (loss costs frames until the next
      // keyframe, not the stream). A count threshold would measure the CPU left by parallel test files.
      for (let k = 0; k < 3; k++) {
        const from = start + k * 2000;
        expect(times.filter((t) => t >= from && t < from + 2000).length, `results in seconds ${2 * k}-${2 * k + 2}`).toBeGreaterThan(0);
      }
      expect(times.length).toBeGreaterThanOrEqual(6);
    } finally {
      await hangup();
    }
  });

  it('ends a call whose video stops while its socket stays open (media timeout)', async () => {
    expect(await until(() => decoderPids().length === 0, 5_000), 'decoders of earlier tests are gone').toBe(true);
    const { sender } = await call();
    await sender.waitForMessage((t) => t.includes('"type":"workout"'), 20_000);
    expect(decoderPids()).toHaveLength(1);
    // The RTP source dies but nothing says goodbye: no DTLS close, no hangup, the socket stays.
    sender.stopVideo();
    expect(await until(() => decoderPids().length === 0, 8_000)).toBe(true);
    await sender.close();
  });

  it('50 connect/stream/disconnect cycles leave no ffmpeg child and no extra handle', async () => {
    await until(() => decoderPids().length === 0, 5_000);
    const handlesBefore = activeHandles();
    for (let i = 0; i < 50; i++) {
      const { sender, hangup, vanish } = await call();
      await sender.waitForMessage((t) => t.includes('"type":"workout"'), 20_000);
      // Half hang up politely, half just vanish.
      if (i % 2 === 0) await hangup();
      else await vanish();
    }
    expect(await until(() => decoderPids().length === 0, 10_000)).toBe(true);
    await sleep(500);
    const handlesAfter = activeHandles();
    console.log(`50 cycles: ffmpeg children ${decoderPids().length}, active handles ${handlesBefore} → ${handlesAfter}`);
    expect(handlesAfter).toBeLessThanOrEqual(handlesBefore + 2);
  }, 300_000);
});

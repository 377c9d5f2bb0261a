/**
 * The bad-input suite: each case names the outcome it must get (an error code or a clean close),
 * and after it the server must still be healthy and other sessions unaffected. Every case is
 * tallied (test/security/cases.ts) and the run prints how many were tried and passed.
 */
import { createSocket } from 'node:dgram';
import { execSync } from 'node:child_process';
import sharp from 'sharp';
import { io as ioClient } from 'socket.io-client';
import { RtpHeader, RtpPacket } from 'werift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { connectIo, connectWs, sleep, type WsClient } from '../helpers/clients.ts';
import { DEFAULT_PERSON_CLIP, findClip } from '../helpers/clips.ts';
import { dataUrl, jpegOf, pngClaiming } from '../helpers/images.ts';
import { RtpSender } from '../helpers/rtp-sender.ts';
import { startServer } from '../helpers/server.ts';
import { recordCase } from './cases.ts';

const clip = findClip(DEFAULT_PERSON_CLIP);
const CLIENT_STRINGS = ['teleport-xyz', 'evil-label-123', 'javascript:alert(1)'];

function decoderPids(): number[] {
  try {
    return execSync(`pgrep -P ${process.pid} -f '[f]fmpeg.*rawvideo'`, { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!pred() && performance.now() < deadline) await sleep(25);
  return pred();
}

describe('bad-input suite', () => {
  let app: App;
  let bystander: WsClient;
  let rssBefore = 0;

  beforeAll(async () => {
    app = await startServer({
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceTimeoutMs: 2000,
      maxMessageBytes: 1024 * 1024,
      maxFrameBytes: 512 * 1024,
      rateLimitPerSecond: 60,
      rateLimitBurst: 60,
    });
    bystander = await connectWs(app.url);
    await bystander.log.waitFor((m) => m.type === 'system');
    rssBefore = process.memoryUsage().rss;
  });

  afterAll(async () => {
    // The bystander session, open through every case, still gets results.
    const from = bystander.log.messages.length;
    bystander.send({ type: 'frame', payload: dataUrl(await jpegOf(64, 64)) });
    const ok = (await bystander.log.waitFor((m) => m.type === 'workout', 15_000, from).catch(() => null)) !== null;
    recordCase('bystander session unaffected by every case', ok);
    bystander.ws.close();
    await app?.close();
    expect(ok).toBe(true);
  });

  async function expectCode(client: WsClient, msg: unknown, code: string, name: string): Promise<void> {
    const from = client.log.messages.length;
    client.send(msg);
    const got = await client.log.errorCode(from).catch(() => 'none');
    recordCase(name, got === code);
    expect(got, name).toBe(code);
  }

  it('protocol: malformed, nested, polluting and mistyped messages get their codes; the session goes on', async () => {
    const c = await connectWs(app.url);
    await c.log.waitFor((m) => m.type === 'system');
    await expectCode(c, '{"type":"frame","payload":', 'BAD_JSON', 'truncated JSON');
    await expectCode(c, '['.repeat(200_000) + ']'.repeat(200_000), 'INVALID_MESSAGE', 'deeply nested JSON (200k levels)');
    await expectCode(c, JSON.stringify({ type: 'frame', payload: { deep: [[[[[[]]]]]] } }), 'INVALID_MESSAGE', 'object where a string belongs');
    await expectCode(c, `{"type":"set_exercise","payload":{"exercise":"squat","__proto__":{"admin":true}},"__proto__":{"polluted":1}}`, 'none', '__proto__ keys ignored').catch(() => undefined);
    recordCase('no prototype pollution', ({} as Record<string, unknown>).polluted === undefined && ({} as Record<string, unknown>).admin === undefined);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectCode(c, { type: CLIENT_STRINGS[0], payload: 1 }, 'UNKNOWN_TYPE', 'unknown type');
    await expectCode(c, { type: 'set_exercise', payload: { exercise: 42 } }, 'INVALID_MESSAGE', 'number where a name belongs');
    await expectCode(c, { type: 'set_exercise', payload: { exercise: CLIENT_STRINGS[1] } }, 'UNKNOWN_EXERCISE', 'unknown exercise name');
    await expectCode(c, { type: 'landmarks', payload: { landmarks: 'x'.repeat(1000), width: 1, height: 1 } }, 'INVALID_LANDMARKS', 'landmarks of the wrong shape');
    await expectCode(c, { type: 'frame', payload: 'x'.repeat(800_000) }, 'FRAME_TOO_LARGE', 'frame over the byte limit (under the message limit)');
    c.ws.send(Buffer.from([0xff, 0x00, 0x13, 0x37]));
    const bin = await c.log.errorCode(c.log.messages.length - 0).catch(() => 'none');
    recordCase('binary junk frame', bin === 'BAD_JSON');
    expect(bin).toBe('BAD_JSON');
    const from = c.log.messages.length;
    c.send({ type: 'get_summary' });
    const summary = await c.log.waitFor((m) => m.type === 'summary', 10_000, from);
    recordCase('session usable after protocol abuse', summary.type === 'summary');
    c.ws.close();
  });

  it('images: non-image, truncated, huge-dimension and progressive-bomb headers are refused before decoding', async () => {
    const c = await connectWs(app.url);
    await c.log.waitFor((m) => m.type === 'system');
    const jpeg = await jpegOf(320, 240);
    const progressive = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#444' } }).jpeg({ progressive: true }).toBuffer();
    // A progressive JPEG whose SOF2 header claims 60000×60000: a decompression bomb's calling card.
    const sof2 = progressive.indexOf(Buffer.from([0xff, 0xc2]));
    const bomb = Buffer.from(progressive);
    bomb.writeUInt16BE(60000, sof2 + 5);
    bomb.writeUInt16BE(60000, sof2 + 7);
    await expectCode(c, { type: 'frame', payload: dataUrl(Buffer.from('%PDF-1.7 not an image')) }, 'UNSUPPORTED_IMAGE_TYPE', 'non-image bytes');
    await expectCode(c, { type: 'frame', payload: dataUrl(Buffer.alloc(0)) }, 'INVALID_FRAME', 'empty image');
    await expectCode(c, { type: 'frame', payload: dataUrl(jpeg.subarray(0, 300)) }, 'CORRUPT_IMAGE', 'truncated JPEG');
    await expectCode(c, { type: 'frame', payload: dataUrl(pngClaiming(65535, 65535), 'image/png') }, 'IMAGE_TOO_LARGE', 'PNG claiming 65535×65535');
    await expectCode(c, { type: 'frame', payload: dataUrl(bomb) }, 'IMAGE_TOO_LARGE', 'progressive JPEG claiming 60000×60000');
    await expectCode(c, { type: 'frame', payload: dataUrl(progressive.subarray(0, progressive.length - 40)) }, 'CORRUPT_IMAGE', 'truncated progressive JPEG');
    c.ws.close();
  });

  it('transport limits: oversized messages close cleanly on both transports; a flood is cut off', async () => {
    const big = await connectWs(app.url);
    big.send({ type: 'frame', payload: 'A'.repeat(2 * 1024 * 1024) });
    const code = await big.closed;
    recordCase('oversized WebSocket message → close 1009', code === 1009);
    expect(code).toBe(1009);

    const sock = await connectIo(app.url);
    const disconnected = new Promise<string>((resolve) => sock.socket.on('disconnect', (reason) => resolve(reason)));
    sock.socket.emit('frame', 'A'.repeat(2 * 1024 * 1024));
    const reason = await Promise.race([disconnected, sleep(10_000).then(() => 'still connected')]);
    recordCase('oversized socket.io message → disconnect', reason !== 'still connected');
    expect(reason).not.toBe('still connected');

    const flooder = await connectWs(app.url);
    const tiny = JSON.stringify({ type: 'reset' });
    for (let i = 0; i < 600 && flooder.ws.readyState === flooder.ws.OPEN; i++) {
      flooder.ws.send(tiny);
      if (i % 20 === 0) await sleep(5);
    }
    const floodCode = await Promise.race([flooder.closed, sleep(10_000).then(() => -1)]);
    recordCase('message flood → close 1008', floodCode === 1008);
    expect(floodCode).toBe(1008);
  });

  it('SDP: malformed, oversized, codec-less and many-m-line offers, and a renegotiation storm', async () => {
    const { socket } = await connectIo(app.url);
    const ack = async (offer: unknown): Promise<string> =>
      (((await socket.timeout(10_000).emitWithAck('offer', offer)) as { error?: { code: string } }).error?.code ?? 'answered');
    const video = 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n';
    const cases: [string, unknown, string][] = [
      ['malformed SDP', { type: 'offer', sdp: 'hello world' }, 'SDP_INVALID'],
      ['SDP over the size limit', { type: 'offer', sdp: `v=0\r\n${'a=x\r\n'.repeat(40_000)}` }, 'SDP_TOO_LARGE'],
      ['codec-less SDP', { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 100\r\na=rtpmap:100 AV1/90000\r\n' }, 'NO_SUPPORTED_CODEC'],
      ['too many m-lines', { type: 'offer', sdp: `v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n${video.repeat(40)}` }, 'SDP_TOO_MANY_MEDIA'],
      ['offer of the wrong type', { type: 'answer', sdp: 'v=0\r\n' }, 'SDP_INVALID'],
      ['offer that is not an object', 'v=0', 'SDP_INVALID'],
    ];
    for (const [name, offer, code] of cases) {
      const got = await ack(offer);
      recordCase(`SDP: ${name}`, got === code);
      expect(got, name).toBe(code);
    }
    // Storm: 20 real offers at once on one socket; the per-socket peer cap holds, nothing leaks.
    const senders = Array.from({ length: 20 }, () => new RtpSender({ codec: 'vp8', clip, fps: 15 }));
    const offers = await Promise.all(senders.map((s) => s.createOffer()));
    const results = await Promise.all(offers.map((o) => ack(o)));
    const answered = results.filter((r) => r === 'answered').length;
    const capped = results.filter((r) => r === 'PEER_LIMIT').length;
    recordCase('renegotiation storm: peer cap holds', answered === 1 && capped === 19);
    expect(answered).toBe(1);
    expect(capped).toBe(19);
    // The answered peer never connects (no answer applied): ICE timeout releases it.
    const released = await until(() => decoderPids().length === 0, 8000);
    recordCase('storm leaves nothing behind', released);
    await Promise.all(senders.map((s) => s.close()));
    socket.disconnect();
  });

  it('a client silent after its offer gets ICE_TIMEOUT and everything is released', async () => {
    const { socket, log } = await connectIo(app.url);
    const sender = new RtpSender({ codec: 'vp8', clip, fps: 15 });
    const answer = (await socket.emitWithAck('offer', await sender.createOffer())) as { type: string };
    expect(answer.type).toBe('answer');
    // Never applies the answer: ICE never connects.
    const code = await log.errorCode().catch(() => 'none');
    recordCase('silent after offer → ICE_TIMEOUT', code === 'ICE_TIMEOUT');
    expect(code).toBe('ICE_TIMEOUT');
    await sender.close();
    socket.disconnect();
  });

  describe('media attacks on a live call', () => {
    async function liveCall(codec: 'vp8' | 'h264' = 'vp8'): Promise<{ sender: RtpSender; answerSdp: string; results: () => number; end: () => Promise<void> }> {
      const io = await connectIo(app.url);
      const sender = new RtpSender({ codec, clip, fps: 30, gop: 10, startSeconds: 7 });
      let count = 0;
      sender.channel.onMessage.subscribe((d) => {
        if (String(d).includes('"type":"workout"')) count++;
      });
      const answer = (await io.socket.emitWithAck('offer', await sender.createOffer())) as { type: 'answer'; sdp: string };
      await sender.acceptAnswer(answer);
      await sender.connected();
      await sender.startVideo();
      await until(() => count > 3, 20_000);
      return {
        sender,
        answerSdp: answer.sdp,
        results: () => count,
        end: async () => {
          io.socket.emit('hangup');
          await sender.close();
          io.socket.disconnect();
        },
      };
    }

    async function keepsFlowing(results: () => number, name: string): Promise<void> {
      const before = results();
      const ok = await until(() => results() >= before + 10, 15_000);
      recordCase(name, ok);
      expect(ok, name).toBe(true);
    }

    it('junk UDP to the media port', async () => {
      const call = await liveCall();
      const port = Number(/a=candidate:\S+ \d+ udp \d+ 127\.0\.0\.1 (\d+)/i.exec(call.answerSdp)?.[1]);
      expect(port).toBeGreaterThan(0);
      const udp = createSocket('udp4');
      const junk = [Buffer.alloc(0), Buffer.alloc(1500, 0xff), Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), Buffer.from([0x16, 0xfe, 0xfd, 0, 0, 0]), Buffer.from([0x80, 0x60, 0, 1, 0, 0, 0, 1])];
      for (let i = 0; i < 300; i++) {
        const base = junk[i % junk.length]!;
        const b = Buffer.concat([base, Buffer.from(Array.from({ length: i % 64 }, () => Math.floor(Math.random() * 256)))]);
        udp.send(b, port, '127.0.0.1');
      }
      await keepsFlowing(call.results, 'junk UDP to the media port: call goes on');
      udp.close();
      await call.end();
    });

    it('malformed RTP: CSRC counts, padding, empty payloads, a 32,000 sequence jump, fuzzed VP8', async () => {
      const call = await liveCall();
      const craft = (h: Partial<RtpHeader>, payload: Buffer): RtpPacket => new RtpPacket(new RtpHeader({ payloadType: 96, ssrc: 1, timestamp: 1, ...h }), payload);
      for (let i = 0; i < 20; i++) {
        call.sender.writeRtp(craft({ sequenceNumber: i, csrcLength: 15, csrc: Array.from({ length: 15 }, (_, k) => k) }, Buffer.alloc(10)));
        call.sender.writeRtp(craft({ sequenceNumber: 100 + i, padding: true, paddingSize: 255 }, Buffer.alloc(3)));
        call.sender.writeRtp(craft({ sequenceNumber: 200 + i, marker: true }, Buffer.alloc(0)));
      }
      await keepsFlowing(call.results, 'malformed RTP headers: call goes on');
      let jumped = false;
      call.sender.setMangler((p) => {
        if (!jumped) jumped = true;
        p.header.sequenceNumber = (p.header.sequenceNumber + 32_000) & 0xffff;
        return p;
      });
      await keepsFlowing(call.results, 'sequence number jump of 32,000: call recovers');
      let n = 0;
      call.sender.setMangler((p) => {
        // Flip bytes in every 3rd packet's payload (past the VP8 descriptor).
        if (n++ % 3 === 0 && p.payload.length > 8) {
          const payload = Buffer.from(p.payload);
          for (let k = 0; k < 8; k++) {
            const at = 4 + Math.floor(Math.random() * (payload.length - 4));
            payload[at] = payload[at]! ^ 0xff;
          }
          p.payload = payload;
        }
        return p;
      });
      await sleep(3000);
      call.sender.setMangler((p) => {
        p.header.sequenceNumber = (p.header.sequenceNumber + 32_000) & 0xffff;
        return p;
      });
      await keepsFlowing(call.results, 'fuzzed VP8 bitstream: call recovers after clean keyframes');
      await call.end();
    });

    it('an H.264 keyframe declaring 16384×16384 ends the call with VIDEO_TOO_LARGE before ffmpeg decodes it', async () => {
      const io = await connectIo(app.url);
      const sender = new RtpSender({ codec: 'h264', clip, fps: 30 });
      const answer = (await io.socket.emitWithAck('offer', await sender.createOffer())) as { type: 'answer'; sdp: string };
      await sender.acceptAnswer(answer);
      await sender.connected();
      const pt = Number(/a=rtpmap:(\d+) H264/i.exec(answer.sdp)?.[1] ?? 96);
      // SPS (baseline) with pic_width_in_mbs_minus1 = pic_height_in_map_units_minus1 = 1023, then PPS and a stub IDR slice.
      const bits = '01000010' + '00000000' + '00011110' + '1' + '1' + '011' + '010' + '0' + '00000000001' + '1111111111' + '00000000001' + '1111111111' + '1' + '1';
      const padded = bits + '1' + '0'.repeat((8 - ((bits.length + 1) % 8)) % 8);
      const spsBody = Buffer.from(padded.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
      const sps = Buffer.concat([Buffer.from([0x67]), spsBody]);
      const pps = Buffer.from([0x68, 0xce, 0x38, 0x80]);
      const idr = Buffer.from([0x65, 0x88, 0x84, 0x00, 0x33, 0xff]);
      for (let i = 0; i < 3; i++) {
        const ts = 90_000 + i * 3000;
        sender.writeRtp(new RtpPacket(new RtpHeader({ payloadType: pt, sequenceNumber: i * 3, timestamp: ts }), sps));
        sender.writeRtp(new RtpPacket(new RtpHeader({ payloadType: pt, sequenceNumber: i * 3 + 1, timestamp: ts }), pps));
        sender.writeRtp(new RtpPacket(new RtpHeader({ payloadType: pt, sequenceNumber: i * 3 + 2, timestamp: ts, marker: true }), idr));
        await sleep(50);
      }
      const code = await io.log.errorCode().catch(() => 'none');
      recordCase('H.264 keyframe declaring 16384×16384 → VIDEO_TOO_LARGE', code === 'VIDEO_TOO_LARGE');
      expect(code).toBe('VIDEO_TOO_LARGE');
      expect(await until(() => decoderPids().length === 0, 5000)).toBe(true);
      await sender.close();
      io.socket.disconnect();
    });
  });

  it('client strings never become metric labels; the server stays healthy and memory flat', async () => {
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    const leaked = CLIENT_STRINGS.filter((s) => metrics.includes(s));
    recordCase('client strings never become metric labels', leaked.length === 0);
    expect(leaked).toEqual([]);
    const healthy = (await fetch(`${app.url}/healthz`)).status === 200 && (await fetch(`${app.url}/readyz`)).status === 200;
    recordCase('server healthy after the suite', healthy);
    expect(healthy).toBe(true);
    const growthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    console.log(`[security] RSS growth over the suite: ${growthMb.toFixed(1)} MB`);
    recordCase('memory flat (RSS growth < 300 MB over the suite)', growthMb < 300);
    expect(growthMb).toBeLessThan(300);
    void ioClient;
  });

  it('a call whose video bitrate stays over the limit ends with BITRATE_EXCEEDED', async () => {
    const strict = await startServer({ iceAdditionalHostAddresses: ['127.0.0.1'], maxVideoBitrateKbps: 200 });
    try {
      const io = await connectIo(strict.url);
      const sender = new RtpSender({ codec: 'vp8', clip, fps: 30, bitrateKbps: 1500, startSeconds: 7 });
      const answer = (await io.socket.emitWithAck('offer', await sender.createOffer())) as { type: 'answer'; sdp: string };
      await sender.acceptAnswer(answer);
      await sender.connected();
      await sender.startVideo();
      const code = await io.log.errorCode().catch(() => 'none');
      recordCase('video over the bitrate limit → BITRATE_EXCEEDED', code === 'BITRATE_EXCEEDED');
      expect(code).toBe('BITRATE_EXCEEDED');
      await sender.close();
      io.socket.disconnect();
    } finally {
      await strict.close();
    }
  });

  it('caps connections per client address across transports', async () => {
    const capped = await startServer({ maxSessionsPerAddress: 2 });
    try {
      const a = await connectWs(capped.url);
      const b = await connectIo(capped.url);
      const third = await connectWs(capped.url);
      const code = await third.log.errorCode().catch(() => 'none');
      const closed = await Promise.race([third.closed, sleep(5000).then(() => -1)]);
      recordCase('third connection from one address → SESSION_LIMIT, close 1013', code === 'SESSION_LIMIT' && closed === 1013);
      expect(code).toBe('SESSION_LIMIT');
      expect(closed).toBe(1013);
      // A slot frees when a connection leaves.
      b.socket.disconnect();
      await sleep(300);
      const again = await connectWs(capped.url);
      const greeting = await again.log.waitFor((m) => m.type === 'system', 5000).catch(() => null);
      recordCase('slot freed when a connection leaves', greeting !== null);
      expect(greeting?.type).toBe('system');
      a.ws.close();
      again.ws.close();
    } finally {
      await capped.close();
    }
  });
});

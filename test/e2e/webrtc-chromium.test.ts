/**
 * A real browser streams its (fake) camera to the server over WebRTC: socket.io signaling, the
 * `workout` data channel created before the offer, results back on it — for VP8 and for H.264.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/app.ts';
import { fakeCameraFile, HAS_CHROMIUM, launchChromium, servePage } from '../helpers/browser.ts';
import { startServer } from '../helpers/server.ts';
import { clipPath, HAS_SHARED } from '../helpers/shared.ts';

const PAGE = (serverUrl: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><script src="${serverUrl}/socket.io/socket.io.js"></script></head>
<body><script>
  window.result = { messages: [], errors: [] };
  window.startCall = async function (codec) {
    const socket = io(${JSON.stringify(serverUrl)}, { transports: ['websocket'] });
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 } });
    const pc = new RTCPeerConnection({ iceServers: [] });
    const channel = pc.createDataChannel('workout');
    channel.onmessage = (e) => window.result.messages.push(JSON.parse(e.data));
    const transceiver = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly' });
    const codecs = RTCRtpSender.getCapabilities('video').codecs;
    const wanted = codecs.filter((c) => c.mimeType.toLowerCase() === 'video/' + codec);
    if (wanted.length === 0) throw new Error('browser cannot send ' + codec);
    transceiver.setCodecPreferences(wanted);
    await pc.setLocalDescription(await pc.createOffer());
    // Non-trickle: wait for gathering so the offer carries the candidates.
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    });
    const answer = await socket.timeout(15000).emitWithAck('offer', { type: 'offer', sdp: pc.localDescription.sdp });
    if (answer.error) throw new Error(answer.error.code + ': ' + answer.error.message);
    await pc.setRemoteDescription(answer);
    window.hangup = () => { socket.emit('hangup'); };
    window.getSummary = () => channel.send(JSON.stringify({ type: 'get_summary' }));
    window.negotiatedCodec = () => pc.getSenders()[0].getParameters().codecs[0]?.mimeType;
  };
</script></body></html>`;

describe.skipIf(!HAS_CHROMIUM)('WebRTC from Chromium', () => {
  let app: App;
  let browser: Browser;
  let page: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    app = await startServer({ iceAdditionalHostAddresses: ['127.0.0.1'] });
    const camera = HAS_SHARED
      ? fakeCameraFile(clipPath('clips/MrPose/squat2_552dddf.mp4'), 7, 6, 'y4m')
      : fakeCameraFile('testsrc2', 0, 6, 'y4m');
    browser = await launchChromium(camera);
    page = await servePage(PAGE(app.url));
  });
  afterAll(async () => {
    await browser?.close();
    await page?.close();
    await app?.close();
  });

  it.each(['vp8', 'h264'])('%s: results arrive on the data channel', async (codec) => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (err) => errors.push(err.message));
    await tab.goto(page.url);
    await tab.evaluate(async (c) => (window as unknown as { startCall: (c: string) => Promise<void> }).startCall(c), codec);
    await tab.waitForFunction(
      () => (window as unknown as { result: { messages: { type: string }[] } }).result.messages.filter((m) => m.type === 'workout').length >= 10,
      undefined,
      { timeout: 45_000 },
    );
    const negotiated = await tab.evaluate(() => (window as unknown as { negotiatedCodec: () => string }).negotiatedCodec());
    expect(negotiated.toLowerCase()).toBe(`video/${codec}`);
    const messages = await tab.evaluate(
      () => (window as unknown as { result: { messages: { type: string; payload: Record<string, unknown> }[] } }).result.messages,
    );
    expect(messages[0]?.type).toBe('system');
    const workouts = messages.filter((m) => m.type === 'workout');
    if (HAS_SHARED) expect(workouts.filter((w) => w.payload.landmarks_detected).length).toBeGreaterThan(workouts.length * 0.7);
    await tab.evaluate(() => (window as unknown as { hangup: () => void }).hangup());
    await tab.waitForFunction(() =>
      (window as unknown as { result: { messages: { type: string }[] } }).result.messages.some((m) => m.type === 'summary'),
    );
    expect(errors).toEqual([]);
    await tab.close();
  });
});

/**
 * The original service's own browser client — the `WorkoutAnalyzer` class and camera loop from
 * shared/seed.md, unmodified but for its URL — runs against this server in headless Chromium with a
 * fake camera playing a real clip, and updates its page without a single error.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/app.ts';
import { ARTIFACTS_DIR, fakeCameraFile, HAS_CHROMIUM, launchChromium, servePage } from '../helpers/browser.ts';
import { startServer } from '../helpers/server.ts';
import { clipPath, HAS_SHARED, SHARED_DIR } from '../helpers/shared.ts';

function seedClientCode(wsUrl: string): string {
  const seed = readFileSync(join(SHARED_DIR, 'seed.md'), 'utf8');
  const block = /```javascript\n([\s\S]*?)```/.exec(seed)?.[1];
  if (!block) throw new Error('no javascript block in seed.md');
  return block.replace('ws://localhost:8000/ws/workout/', wsUrl);
}

const PAGE = (code: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>seed client</title></head>
<body>
  <video id="video" autoplay playsinline muted width="640" height="360"></video>
  <canvas id="canvas" width="640" height="360"></canvas>
  <div id="exercise"></div><div id="reps"></div><div id="feedback"></div><div id="confidence"></div>
  <div id="form-indicator" style="width:40px;height:40px"></div>
  <script>
    window.__events = { system: [], errors: [], summaries: [], workouts: 0 };
  </script>
  <script>
${code}
    // The three handlers the seed leaves to the page.
    // The camera loop starts once the server greets (the seed's sendFrame does not check readyState).
    WorkoutAnalyzer.prototype.handleSystemMessage = function (p) { window.__events.system.push(p); if (window.__startLoop) window.__startLoop(); };
    WorkoutAnalyzer.prototype.handleError = function (p) { window.__events.errors.push(p); };
    WorkoutAnalyzer.prototype.showSessionSummary = function (p) { window.__events.summaries.push(p); };
    const original = WorkoutAnalyzer.prototype.updateWorkoutUI;
    WorkoutAnalyzer.prototype.updateWorkoutUI = function (w) { window.__events.workouts++; return original.call(this, w); };

    var video = document.getElementById('video');
    var canvas = document.getElementById('canvas');
    var frameCount = 0;
    navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 } }).then(function (stream) {
      video.srcObject = stream;
      var started = false;
      window.__startLoop = function () {
        if (started) return;
        started = true;
        (function loop() { if (video.readyState >= 2) processVideoFrame(); requestAnimationFrame(loop); })();
      };
      if (window.__events.system.length > 0) window.__startLoop();
    });
  </script>
</body></html>`;

describe.skipIf(!HAS_CHROMIUM || !HAS_SHARED)('seed WorkoutAnalyzer client in Chromium', () => {
  let app: App;
  let browser: Browser;

  beforeAll(async () => {
    app = await startServer();
    browser = await launchChromium(fakeCameraFile(clipPath('clips/MrPose/squat2_552dddf.mp4'), 6.5, 8, 'mjpeg'));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('updates the seed page from live results without an error', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    const wsUrl = `${app.url.replace('http', 'ws')}/ws/workout/`;
    const served = await servePage(PAGE(seedClientCode(wsUrl)));
    await page.goto(served.url);

    try {
      await page.waitForFunction(() => (window as unknown as { __events: { workouts: number } }).__events.workouts >= 15, undefined, {
        timeout: 45_000,
      });
    } catch (err) {
      const events = await page.evaluate(() => JSON.stringify((window as unknown as { __events: unknown }).__events));
      throw new Error(`${(err as Error).message}\nproblems: ${problems.slice(0, 5).join('; ')}\nevents: ${events.slice(0, 500)}`);
    }
    // The seed declares `const analyzer` at the top level: a global binding, not a window property.
    await page.evaluate('analyzer.getSummary()');
    await page.waitForFunction(() => (window as unknown as { __events: { summaries: unknown[] } }).__events.summaries.length > 0);

    const state = await page.evaluate(() => ({
      exercise: document.getElementById('exercise')!.textContent,
      reps: document.getElementById('reps')!.textContent,
      confidence: document.getElementById('confidence')!.textContent,
      color: document.getElementById('form-indicator')!.style.backgroundColor,
      events: (window as unknown as { __events: { system: { status: string }[]; errors: unknown[] } }).__events,
    }));
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'seed-client.png') });

    expect(problems).toEqual([]);
    expect(state.events.system[0]?.status).toBe('initialized');
    expect(state.events.errors).toEqual([]);
    expect(state.exercise).toBeTruthy();
    expect(state.reps).toMatch(/^\d+$/);
    expect(state.confidence).toMatch(/^\d+\.\d%$/);
    expect(state.color).toMatch(/^rgb\(\d+, \d+, \d+\)$/);
    await page.close();
    await served.close();
  });
});

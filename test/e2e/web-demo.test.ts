/**
 * The web demo in real Chromium with a fake camera playing a real squat clip: WebRTC first (reps,
 * skeleton, summary), the fallback to legacy frames when WebRTC cannot connect, and edge mode
 * (pose in the browser, only landmarks sent). Screenshots go to test-artifacts/ for a human to look at.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { App } from '../../src/app.ts';
import { ARTIFACTS_DIR, fakeCameraFile, HAS_CHROMIUM, launchChromium } from '../helpers/browser.ts';
import { startServer } from '../helpers/server.ts';
import { clipPath, HAS_SHARED } from '../helpers/shared.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DEMO_DIR = join(ROOT, 'web-demo');
const DIST_INDEX = join(DEMO_DIR, 'dist', 'index.html');

/** Newest modification time under a path (files only). */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds the demo when dist is missing or older than its sources (npm test does not run build:web). */
async function ensureBuilt(): Promise<void> {
  const sources = Math.max(
    newest(join(DEMO_DIR, 'src')),
    newest(join(DEMO_DIR, 'index.html')),
    newest(join(DEMO_DIR, 'vite.config.ts')),
    newest(join(ROOT, 'signaling')),
  );
  if (existsSync(DIST_INDEX) && statSync(DIST_INDEX).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(DEMO_DIR, 'vite.config.ts'), logLevel: 'warn' });
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

/** Opaque pixels on the overlay canvas: the skeleton was drawn. */
async function overlayPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#overlay');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || canvas.width === 0) return 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
    return n;
  });
}

/** The skeleton shows on some result soon (a single frame may have nobody in it). */
async function waitForOverlay(page: Page): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await overlayPixels(page)) < 200) {
    if (Date.now() > deadline) throw new Error('the overlay canvas stayed empty');
    await page.waitForTimeout(200);
  }
}

async function frameCount(page: Page): Promise<number> {
  return Number(await text(page, '#frame-count'));
}

describe.skipIf(!HAS_CHROMIUM)('web demo in Chromium', () => {
  let app: App;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  async function open(
    url: string,
    viewport: { width: number; height: number },
    init?: () => void,
  ): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    contexts.push(context);
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    // The page's own warnings and errors, for a failing run's log.
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning' || process.env.WEB_DEMO_CONSOLE)
        console.info(`[page ${msg.type()}] ${msg.text()}`);
    });
    await page.goto(url);
    return { page, errors };
  }

  async function shot(page: Page, name: string): Promise<void> {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS_DIR, name), fullPage: true });
  }

  beforeAll(async () => {
    await ensureBuilt();
    app = await startServer({
      iceAdditionalHostAddresses: ['127.0.0.1'],
      webDemoDir: join(DEMO_DIR, 'dist'),
    });
    // From 6.5 s the clip shows several squats; Chromium loops the file.
    const camera = HAS_SHARED
      ? fakeCameraFile(clipPath('clips/MrPose/squat2_552dddf.mp4'), 6.5, 10, 'y4m')
      : fakeCameraFile('testsrc2', 0, 6, 'y4m');
    // --disable-gpu (the helper's default): edge mode's tfjs has no hardware WebGL here and runs on wasm.
    browser = await launchChromium(camera);
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await app?.close();
  });

  it('connects over WebRTC, counts squats, draws the skeleton and opens the summary', async () => {
    const { page, errors } = await open(`${app.url}/`, { width: 1280, height: 800 });
    await page.waitForFunction(
      () => document.querySelector('#stat-mode')?.textContent === 'WebRTC',
      undefined,
      { timeout: 20_000 },
    );
    // Declare the exercise (automatic recognition is another issue's work) once the server listed it.
    await page.waitForSelector('#exercise-select option[value="squat"]', {
      state: 'attached',
      timeout: 15_000,
    });
    await page.selectOption('#exercise-select', 'squat');
    await page.waitForFunction(
      () => document.querySelector('#exercise')?.textContent === 'squat',
      undefined,
      { timeout: 15_000 },
    );
    if (HAS_SHARED) {
      await page.waitForFunction(() => Number(document.querySelector('#reps')?.textContent) >= 2, undefined, {
        timeout: 45_000,
      });
      await waitForOverlay(page);
      const color = await page.$eval('#form-indicator', (el) => getComputedStyle(el).backgroundColor);
      expect(color).toMatch(/^rgb\(/);
    } else {
      console.warn('[skip] reps and skeleton on a real clip: ../shared is absent');
      await page.waitForFunction(
        () => Number(document.querySelector('#frame-count')?.textContent) > 5,
        undefined,
        { timeout: 20_000 },
      );
    }
    // The rate is a 2 s window refreshed on a timer: wait for it rather than read one instant.
    await page.waitForFunction(() => document.querySelector('#stat-fps')?.textContent !== '0.0 fps', undefined, { timeout: 10_000 });
    await shot(page, 'web-demo-desktop.png');

    await page.click('#summary-btn');
    await page.waitForSelector('#summary-dialog[open] #summary-table tbody tr', { timeout: 10_000 });
    const rows = await page.$$eval('#summary-table tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    // The test pattern holds no person, so no exercise time accrues: the table says so instead.
    expect(rows.join(' ')).toContain(HAS_SHARED ? 'squat' : 'No exercise');
    if (HAS_SHARED) expect(await page.isVisible('#rep-chart')).toBe(true);
    await shot(page, 'web-demo-summary.png');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#summary-dialog:not([open])', { state: 'attached' });
    // Keyboard: focus is back on the summary button; the voice toggle works from the keyboard.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('summary-btn');
    await page.focus('#voice-btn');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('#voice-btn', 'aria-pressed')).toBe('false');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('falls back to legacy frames when WebRTC cannot connect (phone layout)', async () => {
    // WebRTC is blocked in the page: creating a peer connection throws, as where it is disabled by policy.
    const blockWebRtc = (): void => {
      (window as unknown as { RTCPeerConnection: unknown }).RTCPeerConnection = function blocked() {
        throw new Error('WebRTC is blocked');
      };
    };
    const { page, errors } = await open(`${app.url}/`, { width: 390, height: 844 }, blockWebRtc);
    await page.waitForFunction(
      () => document.querySelector('#stat-mode')?.textContent?.startsWith('Legacy'),
      undefined,
      { timeout: 20_000 },
    );
    expect(await text(page, '#status')).toContain('WebRTC could not connect');
    await page.waitForFunction(
      () => Number(document.querySelector('#frame-count')?.textContent) >= 5,
      undefined,
      { timeout: 20_000 },
    );
    if (HAS_SHARED) await waitForOverlay(page);
    await shot(page, 'web-demo-phone-legacy.png');
    // The phone layout does not scroll sideways.
    const overflow = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      return [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > width + 0.5)
        .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`);
    });
    expect(overflow).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('legacy frames over the plain WebSocket when forced', async () => {
    const { page, errors } = await open(`${app.url}/?mode=legacy-ws`, { width: 800, height: 600 });
    await page.waitForFunction(
      () => document.querySelector('#stat-mode')?.textContent === 'Legacy · WebSocket',
      undefined,
      {
        timeout: 15_000,
      },
    );
    await page.waitForFunction(
      () => Number(document.querySelector('#frame-count')?.textContent) >= 3,
      undefined,
      {
        timeout: 20_000,
      },
    );
    expect(errors).toEqual([]);
    await page.context().close();
  }, 45_000);

  it('edge mode runs pose in the browser and sends only landmarks', async () => {
    const { page, errors } = await open(`${app.url}/?mode=edge`, { width: 1280, height: 800 });
    await page.waitForFunction(
      () => document.querySelector('#stat-mode')?.textContent?.startsWith('Edge'),
      undefined,
      { timeout: 45_000 },
    );
    const start = await frameCount(page);
    await page.waitForFunction(
      (n) => Number(document.querySelector('#frame-count')?.textContent) >= n + 5,
      start,
      { timeout: 30_000 },
    );
    const engine = await page.evaluate(() => document.body.dataset.edgeEngine ?? '');
    console.info(`[web-demo] edge pose engine: ${engine}`);
    expect(engine).toMatch(/blazepose-lite · tfjs (webgl|wasm|cpu)/);
    if (HAS_SHARED) {
      await waitForOverlay(page);
      await page.selectOption('#exercise-select', 'squat');
      await page.waitForFunction(() => Number(document.querySelector('#reps')?.textContent) >= 1, undefined, {
        timeout: 40_000,
      });
    }
    console.info(
      `[web-demo] edge link: ${await text(page, '#stat-mode')}; ${await text(page, '#stat-latency')}`,
    );
    await shot(page, 'web-demo-edge.png');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 90_000);
});

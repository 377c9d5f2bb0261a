import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
export const ARTIFACTS_DIR = resolve(import.meta.dirname, '..', '..', 'test-artifacts');
const FAKE_CAMERA_DIR = resolve(import.meta.dirname, '..', '..', '.cache', 'fake-camera');

if (!HAS_CHROMIUM) console.warn(`[skip] browser tests: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);

/**
 * Converts `seconds` of a clip (or of ffmpeg's 'testsrc2' pattern) into a file Chromium's fake camera
 * plays in a loop (.mjpeg or .y4m).
 * Cached in a git-ignored folder: it is derived from internal material.
 */
export function fakeCameraFile(clip: string, startS: number, seconds: number, format: 'mjpeg' | 'y4m' = 'y4m'): string {
  mkdirSync(FAKE_CAMERA_DIR, { recursive: true });
  const name = `${clip.replace(/[^a-z0-9]+/gi, '_')}_${startS}_${seconds}.${format}`;
  const out = join(FAKE_CAMERA_DIR, name);
  if (!existsSync(out)) {
    const input = clip === 'testsrc2' ? ['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=15:duration=${seconds}`] : ['-ss', String(startS), '-t', String(seconds), '-i', clip];
    const codec = format === 'mjpeg' ? ['-f', 'mjpeg', '-q:v', '4'] : ['-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe'];
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...input, '-vf', 'scale=640:360', '-r', '15', ...codec, out]);
  }
  return out;
}

export async function launchChromium(cameraFile: string, extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${cameraFile}`,
      '--allow-loopback-in-peer-connection',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

/** Serves one HTML page from a real loopback server (Chromium treats intercepted pages as public, and
 * blocks them from reaching loopback under its Local Network Access checks). */
export async function servePage(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

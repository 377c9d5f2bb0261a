import type { ClientMessage } from './protocol.ts';

/** The longest side of a legacy frame; the server scales to 640 anyway. */
const MAX_SIDE = 640;
const JPEG_QUALITY = 0.7;
/** At most this many frames a second, and never more than one awaiting its result. */
const MAX_FPS = 15;
const RESULT_TIMEOUT_MS = 1500;

/**
 * Legacy mode: grabs the camera into a canvas and sends base64 JPEG `frame` messages, one in flight
 * at a time (the next waits for the previous result), so a slow server never builds a queue here.
 */
export class FramePump {
  private readonly canvas = document.createElement('canvas');
  private running = false;
  private waiting: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Send time of the frame in flight, for round-trip latency. */
  sentAt = 0;
  lastRoundTripMs: number | undefined;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly send: (msg: ClientMessage) => boolean,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** A result (or an error) arrived: the next frame may go. */
  onResult(): void {
    if (this.sentAt > 0) this.lastRoundTripMs = performance.now() - this.sentAt;
    this.sentAt = 0;
    this.waiting?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.waiting?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    while (this.running) {
      const started = performance.now();
      const { videoWidth: w, videoHeight: h } = this.video;
      if (w > 0 && h > 0) {
        const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
        this.canvas.width = Math.round(w * scale);
        this.canvas.height = Math.round(h * scale);
        ctx.drawImage(this.video, 0, 0, this.canvas.width, this.canvas.height);
        const payload = this.canvas.toDataURL('image/jpeg', JPEG_QUALITY);
        this.sentAt = performance.now();
        if (this.send({ type: 'frame', payload })) await this.waitForResult();
      }
      const spare = 1000 / MAX_FPS - (performance.now() - started);
      if (spare > 0) await sleep(spare);
    }
  }

  private waitForResult(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve();
      };
      const timer = setTimeout(done, RESULT_TIMEOUT_MS);
      this.waiting = done;
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

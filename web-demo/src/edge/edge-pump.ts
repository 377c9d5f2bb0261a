import type { ClientMessage } from '../protocol.ts';
import type { EdgePose } from './edge-pose.ts';
import { log } from '../log.ts';

type VideoWithFrameCallback = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: () => void) => number;
};

/**
 * Edge mode's loop: pose on each new camera frame (as fast as the engine allows, newest frame wins),
 * then a `landmarks` message. Only the 33 landmarks leave the device.
 */
export class EdgePump {
  private running = false;
  private loop: Promise<void> | undefined;
  /** Milliseconds of the last pose call, for the stats line. */
  lastPoseMs: number | undefined;
  framesSent = 0;

  constructor(
    private readonly pose: EdgePose,
    private readonly video: VideoWithFrameCallback,
    private readonly send: (msg: ClientMessage) => boolean,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.nextFrame();
      if (!this.running) break;
      const { videoWidth: width, videoHeight: height } = this.video;
      if (width === 0 || height === 0) continue;
      const t = performance.now();
      let landmarks;
      try {
        landmarks = await this.pose.estimate(this.video, t);
      } catch (err) {
        log.warn('edge pose failed', err);
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      this.lastPoseMs = performance.now() - t;
      if (this.send({ type: 'landmarks', payload: { landmarks, width, height, timestamp_ms: t } }))
        this.framesSent++;
    }
  }

  private nextFrame(): Promise<void> {
    // A paused or hidden video delivers no frame callbacks: the timer keeps stop() from hanging.
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 250);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      if (this.video.requestVideoFrameCallback) this.video.requestVideoFrameCallback(done);
      else requestAnimationFrame(done);
    });
  }
}

import { DrawingUtils, PoseLandmarker, type NormalizedLandmark } from '@mediapipe/tasks-vision';
import type { WorkoutPayload } from './protocol.ts';

type Landmarks = NonNullable<WorkoutPayload['landmarks']>;

/** A landmark is drawn when the model is at least this sure it is visible. */
const MIN_VISIBILITY = 0.5;

/** How the landmarks' frame relates to the camera picture. */
export type FrameGeometry =
  /** Landmarks are normalised to the camera picture itself (legacy frames, edge mode). */
  | { kind: 'same' }
  /** The server letterboxed the video into width × height (WebRTC) and normalised to that. */
  | { kind: 'letterbox'; width: number; height: number };

/**
 * The skeleton drawn over the camera preview with MediaPipe's drawing utilities, coloured by the
 * server's form colour. The canvas has the video's own pixel size and the same CSS box and fit,
 * so normalised coordinates of the camera picture land on the right pixels.
 */
export class SkeletonOverlay {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly draw: DrawingUtils;
  geometry: FrameGeometry = { kind: 'same' };

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly video: HTMLVideoElement,
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    this.ctx = ctx;
    this.draw = new DrawingUtils(ctx);
  }

  clear(): void {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  render(landmarks: Landmarks | undefined, formColor: readonly [number, number, number]): void {
    const { videoWidth: vw, videoHeight: vh } = this.video;
    if (vw === 0 || vh === 0) return;
    if (this.canvas.width !== vw || this.canvas.height !== vh) {
      this.canvas.width = vw;
      this.canvas.height = vh;
    }
    this.clear();
    if (!landmarks) return;
    const points = landmarks.map(([x, y, z, visibility]): NormalizedLandmark => {
      const [px, py] = this.toPicture(x, y, vw, vh);
      return { x: px, y: py, z, visibility };
    });
    const visible = (i: number): boolean => (points[i]?.visibility ?? 0) >= MIN_VISIBILITY;
    const connections = PoseLandmarker.POSE_CONNECTIONS.filter((c) => visible(c.start) && visible(c.end));
    const color = `rgb(${formColor[0]}, ${formColor[1]}, ${formColor[2]})`;
    const scale = Math.max(1, vw / 640);
    this.draw.drawConnectors(points, connections, { color, lineWidth: 5 * scale });
    this.draw.drawLandmarks(
      points.filter((_, i) => visible(i)),
      { color: '#ffffff', fillColor: color, lineWidth: 1.5 * scale, radius: 4 * scale },
    );
  }

  /** Maps a point normalised to the analysed frame onto the camera picture (0..1). */
  private toPicture(x: number, y: number, vw: number, vh: number): [number, number] {
    if (this.geometry.kind === 'same') return [x, y];
    const { width: fw, height: fh } = this.geometry;
    // The server's ffmpeg filter: scale to fit (force_original_aspect_ratio=decrease), then pad centred.
    const s = Math.min(fw / vw, fh / vh);
    const cw = vw * s;
    const ch = vh * s;
    return [(x * fw - (fw - cw) / 2) / cw, (y * fh - (fh - ch) / 2) / ch];
  }
}

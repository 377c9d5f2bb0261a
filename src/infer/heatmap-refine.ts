/**
 * BlazePose's landmark refinement from its heatmap, reading only the windows it looks at.
 *
 * pose-detection's `refineLandmarksFromHeatmap` reads the whole 64×64×39 heatmap back from the
 * backend (a fresh 640 KB array every frame, which the garbage collector's threads then pay for:
 * ~5 ms of CPU per frame measured on the server, as much as the refinement is worth) and then uses
 * a 7×7 window around each landmark. Here the windows are gathered on the backend (one gatherNd of
 * 39 × 49 values, 7.6 KB read back) and the same arithmetic runs over them in the same order, so
 * the result is identical (a test compares the two on real frames), including the original's bounds
 * check, which compares the column (not the row) with the heatmap's height.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface HeatmapLandmark {
  x: number;
  y: number;
  z?: number;
  score?: number;
}

export interface RefineConfig {
  kernelSize: number;
  minConfidenceToRefine: number;
}

interface Window {
  beginRow: number;
  endRow: number;
  beginCol: number;
  endCol: number;
}

/** The window pose-detection reads for a landmark, or null where it keeps the landmark as is. */
function windowOf(l: HeatmapLandmark, width: number, height: number, kernelSize: number): Window | null {
  const centerCol = Math.trunc(l.x * width);
  const centerRow = Math.trunc(l.y * height);
  // pose-detection 2.1.3's check, kept as is (the last term tests the column against the height).
  if (centerCol < 0 || centerCol >= width || centerRow < 0 || centerCol >= height) return null;
  const offset = Math.trunc((kernelSize - 1) / 2);
  return {
    beginCol: Math.max(0, centerCol - offset),
    endCol: Math.min(width, centerCol + offset + 1),
    beginRow: Math.max(0, centerRow - offset),
    endRow: Math.min(height, centerRow + offset + 1),
  };
}

/**
 * Landmarks refined from `heatmap` ([1, height, width, landmarks.length]), as pose-detection's
 * refineLandmarksFromHeatmap returns them (new objects; the input is not modified).
 */
export async function refineFromHeatmap(
  landmarks: readonly HeatmapLandmark[],
  heatmap: tf.Tensor,
  config: RefineConfig,
): Promise<HeatmapLandmark[]> {
  const [, height = 0, width = 0, channels = 0] = heatmap.shape;
  if (heatmap.rank !== 4 || landmarks.length !== channels) {
    throw new Error(
      `Expected heatmap to have same number of channels as the number of landmarks. But got landmarks length: ${landmarks.length}, heatmap shape: [${heatmap.shape.join(', ')}]`,
    );
  }
  const k = config.kernelSize;
  const windows = landmarks.map((l) => windowOf(l, width, height, k));
  // k × k slots per landmark; slots outside its window point at (0, 0) and are skipped below.
  const indices = new Int32Array(landmarks.length * k * k * 4);
  windows.forEach((w, i) => {
    if (!w) return;
    let slot = i * k * k;
    for (let row = w.beginRow; row < w.endRow; row++) {
      for (let col = w.beginCol; col < w.endCol; col++, slot++) {
        indices[slot * 4 + 1] = row;
        indices[slot * 4 + 2] = col;
        indices[slot * 4 + 3] = i;
      }
    }
  });
  const gathered = tf.tidy(() =>
    tf.gatherND(heatmap, tf.tensor2d(indices, [landmarks.length * k * k, 4], 'int32')),
  );
  let values: Float32Array;
  try {
    values = (await gathered.data()) as Float32Array;
  } finally {
    gathered.dispose();
  }
  return landmarks.map((landmark, i) => {
    const out = { ...landmark };
    const w = windows[i];
    if (!w) return out;
    let sum = 0;
    let weightedCol = 0;
    let weightedRow = 0;
    let maxValue = 0;
    let slot = i * k * k;
    for (let row = w.beginRow; row < w.endRow; row++) {
      for (let col = w.beginCol; col < w.endCol; col++, slot++) {
        const confidence = values[slot] ?? 0;
        sum += confidence;
        maxValue = Math.max(maxValue, confidence);
        weightedCol += col * confidence;
        weightedRow += row * confidence;
      }
    }
    if (maxValue >= config.minConfidenceToRefine && sum > 0) {
      out.x = weightedCol / width / sum;
      out.y = weightedRow / height / sum;
    }
    return out;
  });
}

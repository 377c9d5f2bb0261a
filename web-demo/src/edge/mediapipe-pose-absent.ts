/**
 * Stands in for @mediapipe/pose, which pose-detection imports for its 'mediapipe' runtime. Edge mode
 * uses the 'tfjs' runtime, so this is never constructed; if it were, it says why instead of loading
 * files from a CDN.
 */
export class Pose {
  constructor() {
    throw new Error("the 'mediapipe' runtime is not bundled: edge mode runs BlazePose with runtime 'tfjs'");
  }
}
export const VERSION = 'not-bundled';

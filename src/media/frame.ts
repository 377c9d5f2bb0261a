/** A decoded video frame at pose-input size, tightly packed RGB (3 bytes per pixel). */
export interface RgbFrame {
  data: Uint8Array;
  width: number;
  height: number;
  /** performance.now() when the frame's last byte reached the server. */
  arrivalMs: number;
  /** performance.now() when the decoder emitted it (WebRTC); absent for images decoded in the session. */
  decodedMs?: number;
  /**
   * Hands the pixel memory back to its producer once nobody reads it (the pose worker returns the
   * buffer it was sent; a skipped frame returns its own). The WebRTC decoder reuses it for a later
   * picture instead of allocating 0.7 MB per frame: that garbage costs the collector's threads
   * several ms of CPU per frame.
   */
  recycle?: (buffer: ArrayBuffer) => void;
}

/** Scales (never enlarges) width × height so the longer side fits `maxSide`; even sizes keep codecs happy. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const even = (v: number): number => Math.max(2, Math.round((v * scale) / 2) * 2);
  return { width: even(width), height: even(height) };
}

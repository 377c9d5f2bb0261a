/**
 * Geometry in true pixel proportions. Landmarks are normalised separately to width and
 * height, so x is scaled by the aspect ratio before any angle or distance is taken;
 * otherwise a 16:9 frame bends every angle that is not axis-aligned.
 */
import type { Landmark } from './types.ts';

export interface Point {
  x: number;
  y: number;
}

export function toPoint(lm: Landmark, aspect: number): Point {
  return { x: lm[0] * aspect, y: lm[1] };
}

export function midpoint(a: Point, b: Point): Point {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** Interior angle at b, in degrees, 0..180; null when a segment has no length. */
export function jointAngle(a: Point, b: Point, c: Point): number | null {
  const v1x = a.x - b.x;
  const v1y = a.y - b.y;
  const v2x = c.x - b.x;
  const v2y = c.y - b.y;
  const n = Math.hypot(v1x, v1y) * Math.hypot(v2x, v2y);
  if (n < 1e-12) return null;
  const cos = Math.min(1, Math.max(-1, (v1x * v2x + v1y * v2y) / n));
  return (Math.acos(cos) * 180) / Math.PI;
}

/**
 * Signed bend at b: 0 when a, b, c are collinear, positive when b lies above the line a–c
 * in the image (a pike), negative when below (a sag). Image y grows downwards.
 */
export function signedBend(a: Point, b: Point, c: Point): number | null {
  const interior = jointAngle(a, b, c);
  if (interior === null) return null;
  const dx = c.x - a.x;
  const dy = c.y - a.y;
  const len = Math.hypot(dx, dy);
  if (len < 1e-12) return null;
  const t = ((b.x - a.x) * dx + (b.y - a.y) * dy) / (len * len);
  const lineY = a.y + t * dy;
  const above = b.y < lineY;
  return (above ? 1 : -1) * (180 - interior);
}

/** Angle of the segment from→to measured from straight up, degrees 0..180 (0 = upright, 90 = horizontal). */
export function inclineFromVertical(from: Point, to: Point): number | null {
  const dx = to.x - from.x;
  const dy = from.y - to.y;
  if (Math.hypot(dx, dy) < 1e-12) return null;
  return (Math.atan2(Math.abs(dx), dy) * 180) / Math.PI;
}

import sharp, { type Metadata } from 'sharp';
import type { ErrorCode } from '../../signaling/index.ts';
import { fitWithin, type RgbFrame } from './frame.ts';

export interface ImageLimits {
  maxBytes: number;
  maxPixels: number;
  maxDimension: number;
  /** Longer side of the decoded frame handed to pose estimation. */
  maxSide: number;
  /** libvips gives up on one image after this many seconds (a progressive-scan bomb, a hostile file). */
  timeoutSeconds?: number;
}

export class FrameDecodeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FrameDecodeError';
  }
}

const DATA_URL = /^data:(image\/[a-z0-9.+-]+)?(;[a-z0-9=-]+)*;base64,/i;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

type ImageType = 'jpeg' | 'png' | 'webp';

/** The container type from magic bytes; the data URL's declared type is not trusted. */
function sniff(buf: Buffer): ImageType | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47 && buf.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

/** Decodes the base64 body of a data URL (or a bare base64 string), enforcing the byte limit before allocating. */
export function decodeDataUrl(payload: string, maxBytes: number): Buffer {
  const match = DATA_URL.exec(payload.slice(0, 128));
  const body = match ? payload.slice(match[0].length) : payload;
  // 4 base64 characters carry 3 bytes: reject before decoding anything.
  if (Math.floor((body.length * 3) / 4) > maxBytes) {
    throw new FrameDecodeError('FRAME_TOO_LARGE', `image over ${maxBytes} bytes`);
  }
  if (body.length === 0 || body.length % 4 === 1 || !BASE64_BODY.test(body)) {
    throw new FrameDecodeError('INVALID_FRAME', 'payload is not base64 image data');
  }
  return Buffer.from(body, 'base64');
}

/**
 * Data URL → RGB frame scaled for pose estimation. Limits are checked from the header before the
 * pixels are decoded, so a small file claiming 65535×65535 costs nothing.
 */
export async function decodeImageFrame(payload: string, limits: ImageLimits, arrivalMs: number): Promise<RgbFrame> {
  const buf = decodeDataUrl(payload, limits.maxBytes);
  const type = sniff(buf);
  if (!type) throw new FrameDecodeError('UNSUPPORTED_IMAGE_TYPE', 'not a JPEG, PNG or WebP image');

  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new FrameDecodeError('CORRUPT_IMAGE', (err as Error).message);
  }
  const { width, height } = meta;
  if (!width || !height) throw new FrameDecodeError('CORRUPT_IMAGE', 'image has no dimensions');
  if (width > limits.maxDimension || height > limits.maxDimension || width * height > limits.maxPixels) {
    throw new FrameDecodeError('IMAGE_TOO_LARGE', `${width}x${height} exceeds the limit`);
  }

  // EXIF orientations 5-8 swap the axes once .rotate() applies them.
  const swapped = (meta.orientation ?? 1) >= 5;
  const size = fitWithin(swapped ? height : width, swapped ? width : height, limits.maxSide);
  try {
    const { data, info } = await sharp(buf, { limitInputPixels: limits.maxPixels, failOn: 'error', sequentialRead: true })
      .rotate() // honour EXIF orientation so "up" is up for the pose model
      .resize(size.width, size.height, { fit: 'fill', kernel: 'linear' })
      .removeAlpha()
      .toColourspace('srgb')
      .timeout({ seconds: limits.timeoutSeconds ?? 2 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, arrivalMs };
  } catch (err) {
    const message = (err as Error).message;
    if (/timeout/i.test(message)) throw new FrameDecodeError('IMAGE_TOO_COMPLEX', `decoding took over ${limits.timeoutSeconds ?? 2} s`);
    throw new FrameDecodeError('CORRUPT_IMAGE', message);
  }
}

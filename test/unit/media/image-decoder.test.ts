import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImageFrame, FrameDecodeError, type ImageLimits } from '../../../src/media/image-decoder.ts';
import { dataUrl, jpegOf, pngClaiming } from '../../helpers/images.ts';

const limits: ImageLimits = { maxBytes: 3 * 1024 * 1024, maxPixels: 4096 * 2304, maxDimension: 4096, maxSide: 640 };

async function codeOf(payload: string, l: ImageLimits = limits): Promise<string> {
  try {
    await decodeImageFrame(payload, l, 0);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(FrameDecodeError);
    return (err as FrameDecodeError).code;
  }
}

describe('decodeImageFrame', () => {
  it('decodes a JPEG data URL to RGB scaled to fit the pose input', async () => {
    const frame = await decodeImageFrame(dataUrl(await jpegOf(1280, 720)), limits, 5);
    expect(frame).toMatchObject({ width: 640, height: 360, arrivalMs: 5 });
    expect(frame.data.length).toBe(640 * 360 * 3);
    // The colour survives (JPEG is lossy: allow a few levels).
    expect(Math.abs(frame.data[0]! - 40)).toBeLessThan(6);
    expect(Math.abs(frame.data[2]! - 200)).toBeLessThan(6);
  });

  it('never enlarges a small frame', async () => {
    const frame = await decodeImageFrame(dataUrl(await jpegOf(320, 240)), limits, 0);
    expect([frame.width, frame.height]).toEqual([320, 240]);
  });

  it('decodes PNG and WebP, whatever the data URL claims', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 4, background: '#ff0000' } }).png().toBuffer();
    const webp = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#00ff00' } }).webp().toBuffer();
    expect((await decodeImageFrame(dataUrl(png, 'image/jpeg'), limits, 0)).data.length).toBe(64 * 48 * 3);
    expect((await decodeImageFrame(dataUrl(webp, 'image/webp'), limits, 0)).data[1]).toBeGreaterThan(200);
  });

  it('accepts bare base64 too', async () => {
    expect(await codeOf((await jpegOf(32, 32)).toString('base64'))).toBe('ok');
  });

  it('rejects a PNG claiming 65535×65535 from its header alone', async () => {
    expect(await codeOf(dataUrl(pngClaiming(65535, 65535), 'image/png'))).toBe('IMAGE_TOO_LARGE');
  });

  it('rejects an over-size payload before decoding base64', async () => {
    const huge = 'data:image/jpeg;base64,' + 'A'.repeat(20 * 1024 * 1024);
    expect(await codeOf(huge)).toBe('FRAME_TOO_LARGE');
  });

  it('rejects text that is not base64', async () => {
    expect(await codeOf('data:image/jpeg;base64,@@@not base64@@@')).toBe('INVALID_FRAME');
    expect(await codeOf('')).toBe('INVALID_FRAME');
  });

  it('rejects bytes that are not an image', async () => {
    expect(await codeOf(dataUrl(Buffer.from('GIF89a this is not supported'), 'image/gif'))).toBe('UNSUPPORTED_IMAGE_TYPE');
    expect(await codeOf(dataUrl(Buffer.from('%PDF-1.4 hello'), 'image/jpeg'))).toBe('UNSUPPORTED_IMAGE_TYPE');
  });

  it('rejects a truncated JPEG', async () => {
    const jpeg = await jpegOf(640, 480);
    expect(await codeOf(dataUrl(jpeg.subarray(0, Math.floor(jpeg.length / 2))))).toBe('CORRUPT_IMAGE');
  });

  it('rejects dimensions over the side limit', async () => {
    expect(await codeOf(dataUrl(await jpegOf(800, 100)), { ...limits, maxDimension: 640 })).toBe('IMAGE_TOO_LARGE');
  });
});

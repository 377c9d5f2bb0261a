/**
 * Framing of encoded video for ffmpeg's stdin: IVF for VP8, Annex-B for H.264. Pure functions; the
 * decoder owns the byte offsets because ffmpeg reports each decoded picture's input position.
 */

export type VideoCodec = 'vp8' | 'h264';

export const IVF_FILE_HEADER_BYTES = 32;
export const IVF_FRAME_HEADER_BYTES = 12;

/**
 * Access-unit delimiter (nal_unit_type 9, primary_pic_type 7). Written after every frame so that
 * ffmpeg's H.264 parser sees the next access unit start at once; without it the parser holds each
 * frame until the next one arrives (one frame interval of added latency).
 */
export const H264_ACCESS_UNIT_DELIMITER: Buffer = Buffer.from([0x00, 0x00, 0x00, 0x01, 0x09, 0xf0]);

/** Width and height from a VP8 keyframe's uncompressed header (RFC 6386 §9.1), or undefined. */
export function vp8KeyframeSize(frame: Buffer): { width: number; height: number } | undefined {
  if (frame.length < 10 || (frame[0]! & 0x01) !== 0) return undefined;
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return undefined;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

/**
 * The 32-byte IVF file header. ffmpeg takes the real size from the bitstream; the header's size only
 * seeds stream probing, which is why the first keyframe's size is passed when known.
 */
export function ivfFileHeader(width: number, height: number, timebaseDen = 1000, timebaseNum = 1): Buffer {
  const header = Buffer.alloc(IVF_FILE_HEADER_BYTES);
  header.write('DKIF', 0, 'ascii');
  header.writeUInt16LE(0, 4); // version
  header.writeUInt16LE(IVF_FILE_HEADER_BYTES, 6);
  header.write('VP80', 8, 'ascii');
  header.writeUInt16LE(width & 0xffff, 12);
  header.writeUInt16LE(height & 0xffff, 14);
  header.writeUInt32LE(timebaseDen, 16);
  header.writeUInt32LE(timebaseNum, 20);
  header.writeUInt32LE(0, 24); // frame count: unknown for a live stream
  header.writeUInt32LE(0, 28);
  return header;
}

/** The 12-byte IVF frame header: payload size and a 64-bit presentation timestamp. */
export function ivfFrameHeader(size: number, pts: number): Buffer {
  const header = Buffer.alloc(IVF_FRAME_HEADER_BYTES);
  header.writeUInt32LE(size, 0);
  header.writeBigUInt64LE(BigInt(Math.max(0, Math.trunc(pts))), 4);
  return header;
}

/** One IVF frame record (header + payload). */
export function ivfFrame(frame: Buffer, pts: number): Buffer {
  return Buffer.concat([ivfFrameHeader(frame.length, pts), frame]);
}

/** One Annex-B access unit followed by the delimiter that lets ffmpeg's parser release it at once. */
export function annexBAccessUnit(accessUnit: Buffer): Buffer {
  return Buffer.concat([accessUnit, H264_ACCESS_UNIT_DELIMITER]);
}

import type { VideoCodec } from './stream-framing.ts';

export interface DecoderArgsInput {
  codec: VideoCodec;
  width: number;
  height: number;
  /** Pre-5.1 ffmpeg: `-vsync` instead of `-fps_mode`, showinfo without options. */
  legacy: boolean;
}

export interface DecoderArgs {
  input: string[];
  output: string[];
}

/**
 * The arguments that keep one decoded frame from waiting on the next. Measured on ffmpeg 5.1:
 * `-threads 1` on the output matters as much as on the input, because the default frame-threaded
 * rawvideo encoder holds a frame (101 ms vs 2 ms); `-fflags nobuffer` is left out because it discards
 * the first keyframe. showinfo reports each picture's input byte position, which is how a decoded
 * frame is matched to the encoded frame (and arrival time) it came from.
 */
export function buildDecoderArgs({ codec, width, height, legacy }: DecoderArgsInput): DecoderArgs {
  const showinfo = legacy ? 'showinfo' : 'showinfo=checksum=0';
  return {
    input: [
      '-hide_banner',
      '-nostats',
      '-loglevel',
      'info',
      '-flags',
      'low_delay',
      '-probesize',
      '32',
      '-analyzeduration',
      '0',
      '-threads',
      '1',
      '-f',
      codec === 'vp8' ? 'ivf' : 'h264',
    ],
    output: [
      '-map',
      '0:v:0',
      '-an',
      '-threads',
      '1',
      '-vf',
      // Letterboxed, never stretched: joint angles are computed in true pixel geometry.
      `${showinfo},scale=${width}:${height}:flags=bilinear:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`,
      ...(legacy ? ['-vsync', 'passthrough'] : ['-fps_mode', 'passthrough']),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-flush_packets',
      '1',
    ],
  };
}

export interface ShowinfoLine {
  /** Output picture index within this ffmpeg process. */
  n: number;
  /** Byte offset in stdin of the packet the picture was decoded from; -1 when ffmpeg does not know. */
  pos: number;
}

const SHOWINFO = /Parsed_showinfo_\d+ @ [^\]]+\]\s+n:\s*(\d+)\b.*?\bpos:\s*(-?\d+)/;

export function parseShowinfoLine(line: string): ShowinfoLine | undefined {
  const match = SHOWINFO.exec(line);
  if (!match) return undefined;
  return { n: Number(match[1]), pos: Number(match[2]) };
}

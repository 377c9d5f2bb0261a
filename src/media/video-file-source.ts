import { spawn } from 'node:child_process';
import type { RgbFrame } from './frame.ts';

export interface VideoFrame extends RgbFrame {
  /** Presentation time in seconds from the clip's start (constant frame rate assumed). */
  t: number;
  index: number;
}

export interface VideoFileInfo {
  fps: number;
  width: number;
  height: number;
  sourceWidth: number;
  sourceHeight: number;
}

const INPUT_STREAM = /Stream #0:\d+.*?: Video: .*?, (\d+)x(\d+)[ ,].*?([\d.]+) fps/;
const OUTPUT_STREAM = /Stream #0:\d+.*?: Video: rawvideo.*?, (\d+)x(\d+)/;

/**
 * Decodes a recorded video into RGB frames at its own frame rate, the longer side fitted to `maxSide`,
 * for offline analysis and evaluation. Yields frames as ffmpeg produces them; the child is killed
 * when the consumer stops early.
 */
export async function* readVideoFrames(
  file: string,
  options: { ffmpegPath: string; maxSide: number; onInfo?: (info: VideoFileInfo) => void },
): AsyncGenerator<VideoFrame> {
  const m = options.maxSide;
  const scale = `scale='if(gte(iw,ih),min(${m},iw),-2)':'if(gte(iw,ih),-2,min(${m},ih))'`;
  const child = spawn(
    options.ffmpegPath,
    ['-hide_banner', '-nostdin', '-i', file, '-an', '-vf', scale, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let info: VideoFileInfo | null = null;
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 64_000) stderr += chunk;
  });

  const parseInfo = (): VideoFileInfo | null => {
    const input = INPUT_STREAM.exec(stderr);
    const output = OUTPUT_STREAM.exec(stderr.slice(stderr.indexOf('Output #0')));
    if (!input || !output || !stderr.includes('Output #0')) return null;
    return {
      sourceWidth: Number(input[1]),
      sourceHeight: Number(input[2]),
      fps: Number(input[3]),
      width: Number(output[1]),
      height: Number(output[2]),
    };
  };

  try {
    let pending: Buffer = Buffer.alloc(0);
    let index = 0;
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      // ffmpeg prints the stream layout to stderr before it writes the first frame.
      if (!info) {
        info = parseInfo();
        if (!info) throw new Error(`could not read the video layout of ${file}`);
        options.onInfo?.(info);
      }
      const frameBytes = info.width * info.height * 3;
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= frameBytes) {
        const data = new Uint8Array(frameBytes);
        data.set(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        yield { data, width: info.width, height: info.height, arrivalMs: performance.now(), t: index / info.fps, index };
        index++;
      }
    }
    const code = await exited;
    if (code !== 0) throw new Error(`ffmpeg failed on ${file} (exit ${code}): ${stderr.slice(-400)}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

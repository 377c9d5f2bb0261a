/**
 * A named pipe that ffmpeg writes decoded pictures into and the decoder reads straight into its
 * picture buffers. Reading ffmpeg's stdout allocates a fresh 64 KB Buffer for every read (about
 * eleven per 640×360 picture) that is then copied into the picture; on the session thread that
 * garbage was the largest single cost besides the model (docs/performance.md). Here every read
 * lands in place: `net.Socket`'s `onread` takes the remaining part of the current picture as its
 * buffer, so a steady stream allocates nothing and copies nothing.
 *
 * Linux only (the reader opens the FIFO read-write, which Linux defines for FIFOs: the open never
 * blocks and the reader never sees end-of-file while ffmpeg restarts). Elsewhere, or without
 * `mkfifo`, the decoder reads ffmpeg's stdout.
 */
import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PictureSink {
  /** The memory the next read fills: the unfilled rest of the current picture (never empty). */
  buffer: () => Uint8Array;
  /** `n` bytes were read into the buffer last handed out. */
  filled: (n: number) => void;
  error: (error: Error) => void;
}

export interface PictureFifo {
  /** Where ffmpeg writes (its output file). */
  readonly path: string;
  /** Stops reading and removes the pipe. Safe to call more than once. */
  close(): void;
}

let supported: boolean | undefined;

/** Whether named pipes can carry pictures here (Linux with `mkfifo`); probed once. */
export function pictureFifoSupported(): boolean {
  if (supported !== undefined) return supported;
  supported = false;
  if (process.platform !== 'linux') return supported;
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), 'workout-fifo-probe-'));
    execFileSync('mkfifo', ['-m', '600', join(dir, 'probe')], { stdio: 'ignore' });
    supported = true;
  } catch {
    supported = false;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  return supported;
}

export function openPictureFifo(sink: PictureSink): PictureFifo {
  const dir = mkdtempSync(join(tmpdir(), 'workout-ffmpeg-'));
  const path = join(dir, 'pictures.rgb');
  let socket: Socket | undefined;
  try {
    execFileSync('mkfifo', ['-m', '600', path], { stdio: 'ignore' });
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    // The constructor takes `onread` at run time (Node ≥ 12) though @types/node lists it for connect() only.
    const options: SocketConstructorOpts & { onread: OnReadOpts } = {
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer: sink.buffer,
        callback: (n: number) => {
          sink.filled(n);
          return true;
        },
      },
    };
    socket = new Socket(options);
    socket.on('error', sink.error);
  } catch (error) {
    socket?.destroy();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let closed = false;
  return {
    path,
    close: () => {
      if (closed) return;
      closed = true;
      socket?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

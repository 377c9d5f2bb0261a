/**
 * A Unix-domain socket that ffmpeg listens on (`-listen 1 unix:PATH`) and writes its decoded pictures
 * into; the decoder connects and reads straight into its picture buffers. Reading ffmpeg's stdout
 * (fluent-ffmpeg pipes it into a Writable) allocates a fresh 64 KB Buffer for every read, about eleven
 * per 640×360 picture, each then copied into the picture and left to the collector of the session
 * thread's large heap. Here `net.Socket`'s `onread` takes the unfilled rest of the current picture as
 * its read buffer, so a steady stream allocates nothing and copies nothing on the way in
 * (docs/adr-media-ffmpeg.md).
 *
 * A socket rather than a named pipe (session 5's try): a FIFO holds 64 KB and cannot be enlarged from
 * Node, so a picture crossed in ~11 hand-offs and throughput fell; a stream socket buffers ~208 KB like
 * the socketpair behind stdout.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PictureSink {
  /** The memory the next read fills: the unfilled rest of the current picture (never empty). */
  buffer: () => Uint8Array;
  /** `n` bytes were read into the buffer last handed out. */
  filled: (n: number) => void;
  error: (error: Error) => void;
}

export interface PictureSocket {
  /** ffmpeg's output URL (with `-listen 1` among its output options). */
  readonly url: string;
  readonly path: string;
  /** Connects once ffmpeg listens, retrying while it starts; reading begins on connection. Idempotent. */
  connect(): void;
  /** Stops reading (and retrying) and removes the socket file. Safe to call more than once. */
  close(): void;
}

/**
 * ffmpeg opens its output (and listens) once it has probed the input, so after the first encoded
 * frame; connection attempts start then, 5 ms apart, backing off to 50 ms.
 */
const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 50;
/** sockaddr_un's sun_path holds 108 bytes with its terminating NUL. */
const MAX_SOCKET_PATH = 107;

const supportCache = new Map<string, boolean>();
/** mkdtemp appends six characters to this prefix. */
const DIR_PREFIX = 'workout-ffmpeg-';
const socketPath = (dir: string): string => join(dir, 'pictures.sock');

/**
 * Whether this ffmpeg can write pictures to a Unix socket it listens on: not on Windows, and only when
 * the binary lists the `unix` protocol for output (`ffmpeg -protocols`). Probed once per binary.
 */
export function pictureSocketSupported(ffmpegPath: string): boolean {
  const cached = supportCache.get(ffmpegPath);
  if (cached !== undefined) return cached;
  let supported = false;
  if (process.platform !== 'win32' && socketPath(join(tmpdir(), `${DIR_PREFIX}${'0'.repeat(6)}`)).length <= MAX_SOCKET_PATH) {
    const probe = spawnSync(ffmpegPath, ['-hide_banner', '-protocols'], { encoding: 'utf8', timeout: 5_000 });
    const output = probe.stdout?.split(/^Output:\s*$/m)[1] ?? '';
    supported = probe.status === 0 && /^\s*unix\s*$/m.test(output);
  }
  supportCache.set(ffmpegPath, supported);
  return supported;
}

export function createPictureSocket(sink: PictureSink): PictureSocket {
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  const path = socketPath(dir);
  let socket: Socket | undefined;
  let retry: NodeJS.Timeout | undefined;
  let connected = false;
  let closed = false;
  let retryMs = FIRST_RETRY_MS;

  const attempt = (): void => {
    retry = undefined;
    if (closed) return;
    const s = connect({
      path,
      onread: {
        buffer: sink.buffer,
        callback: (n: number) => {
          sink.filled(n);
          return true;
        },
      },
    });
    socket = s;
    s.once('connect', () => {
      connected = true;
    });
    s.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected && !closed && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')) {
        // ffmpeg is not listening yet.
        retry = setTimeout(attempt, retryMs);
        retryMs = Math.min(MAX_RETRY_MS, retryMs * 1.5);
        return;
      }
      if (!closed) sink.error(error);
    });
  };

  return {
    url: `unix:${path}`,
    path,
    connect: () => {
      if (!socket && !retry) attempt();
    },
    close: () => {
      if (closed) return;
      closed = true;
      if (retry) clearTimeout(retry);
      socket?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

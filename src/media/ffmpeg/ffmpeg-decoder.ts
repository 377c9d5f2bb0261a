import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import type { Logger } from '../../log.ts';
import { buildDecoderArgs, parseShowinfoLine, type ShowinfoLine } from './decoder-args.ts';
import { createPictureSocket, pictureSocketSupported, type PictureSocket } from './picture-socket.ts';
import {
  annexBAccessUnit,
  ivfFileHeader,
  ivfFrame,
  vp8KeyframeSize,
  type VideoCodec,
} from './stream-framing.ts';

/** One compressed video frame as the RTP depacketizer produced it. */
export interface EncodedFrame {
  /** VP8 frame, or an H.264 access unit in Annex-B form. */
  data: Buffer;
  isKeyframe: boolean;
  /** performance.now() when the last RTP packet of this frame arrived. */
  arrivalMs: number;
}

/** One decoded picture, packed rgb24, `width * height * 3` bytes. */
export interface DecodedFrame {
  data: Buffer;
  width: number;
  height: number;
  /** Returns the picture's memory for reuse (see RgbFrame.recycle). */
  recycle: (buffer: ArrayBuffer) => void;
  /** Arrival time of the encoded frame this picture was decoded from (performance.now()). */
  arrivalMs: number;
  /** performance.now() when the picture's last byte came out of ffmpeg. */
  decodedMs: number;
}

/** Why the decoder cannot use anything but a keyframe right now; the owner answers with a PLI. */
export type KeyframeNeededReason = 'restart' | 'backlog';

export interface DecoderRestartInfo {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  restarts: number;
}

export interface FfmpegDecoderEvents {
  frame: [frame: DecodedFrame];
  keyframeNeeded: [reason: KeyframeNeededReason];
  /** ffmpeg died and was started again; counters carry on. */
  restart: [info: DecoderRestartInfo];
  /** ffmpeg kept dying (see maxRestarts); the decoder stopped trying. */
  failed: [error: Error];
}

export interface FfmpegDecoderOptions {
  ffmpegPath: string;
  /** Pre-5.1 ffmpeg (see FfmpegBinary.legacy). */
  legacyFfmpeg?: boolean;
  codec: VideoCodec;
  /** Output size; pictures are scaled to exactly this, aspect ratio is not kept. */
  width: number;
  height: number;
  logger: Logger;
  /** stdin bytes not yet taken by ffmpeg before the decoder counts as behind. */
  maxBacklogBytes?: number;
  /** Frames written but not yet decoded before the decoder counts as behind. */
  maxInFlightFrames?: number;
  /** Frames kept (from the last keyframe on) while ffmpeg is starting. */
  maxQueuedFrames?: number;
  /** More restarts than this within restartWindowMs gives up with 'failed'. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /**
   * How pictures leave ffmpeg: `socket` (the default where this ffmpeg supports it) through a Unix
   * socket read straight into the picture buffers; `stdout` through ffmpeg's stdout (picture-socket.ts).
   */
  pictureTransport?: PictureTransport;
}

export type PictureTransport = 'socket' | 'stdout';

export interface FfmpegDecoderStats {
  framesPushed: number;
  framesDecoded: number;
  /** Dropped before ffmpeg because a keyframe was needed (start, restart, after backlog). */
  framesDroppedAwaitingKeyframe: number;
  /** Dropped before ffmpeg because it was not keeping up. */
  framesDroppedBacklog: number;
  /** Written to ffmpeg but no picture came out (decode error, or lost in a crash). */
  framesDroppedByDecoder: number;
  restarts: number;
  pid: number | undefined;
}

interface InFlight {
  /** stdin offset of the frame's first byte in this process. */
  start: number;
  arrivalMs: number;
}

interface AwaitingInfo {
  data: Buffer;
  decodedMs: number;
}

/** State of one ffmpeg process; a restart starts a new one. */
interface Generation {
  command: ffmpeg.FfmpegCommand;
  proc: ChildProcess | undefined;
  stdin: Writable | undefined;
  bytesWritten: number;
  nextPts: number;
  headerWritten: boolean;
  inFlight: InFlight[];
  infos: ShowinfoLine[];
  awaitingInfo: AwaitingInfo[];
  infoTimer: NodeJS.Timeout | undefined;
  picture: Buffer;
  pictureFill: number;
  /** The socket pictures arrive through, when the transport is `socket`. */
  pictureSocket: PictureSocket | undefined;
  exited: boolean;
  exitedPromise: Promise<void>;
  markExited: () => void;
  stderrTail: string[];
}

/**
 * An encoded frame starts this many bytes after the position ffmpeg reports for it at most: the
 * H.264 parser counts the access unit from the delimiter written after the previous frame (6 bytes).
 */
const POSITION_SLACK_BYTES = 8;
/** How long a picture may wait for its showinfo line before it is matched first-in-first-out. */
const INFO_WAIT_MS = 50;
/** Picture buffers kept for reuse: enough for the frames in flight to the pose workers. */
const MAX_SPARE_PICTURES = 4;

/**
 * A long-lived ffmpeg turning VP8 (IVF) or H.264 (Annex-B) on stdin into fixed-size rgb24 pictures,
 * written into a Unix socket read in place (or onto stdout where that is unavailable). Each picture
 * is emitted as soon as its last byte arrives and carries the arrival time of the encoded frame it
 * came from: showinfo reports the stdin position each picture was decoded
 * from, so frames the decoder swallows are counted instead of shifting every later timestamp.
 *
 * fluent-ffmpeg is confined to this class (see docs/adr-media-ffmpeg.md).
 */
export class FfmpegDecoder extends EventEmitter<FfmpegDecoderEvents> {
  readonly codec: VideoCodec;
  readonly width: number;
  readonly height: number;
  private readonly options: Required<Omit<FfmpegDecoderOptions, 'logger'>>;
  private readonly logger: Logger;
  private readonly frameBytes: number;
  private readonly spares: ArrayBuffer[] = [];
  private generation: Generation | undefined;
  private needKeyframe = true;
  private queued: EncodedFrame[] = [];
  private restartTimes: number[] = [];
  private failed = false;
  private closePromise: Promise<void> | undefined;
  private readonly counters = {
    framesPushed: 0,
    framesDecoded: 0,
    framesDroppedAwaitingKeyframe: 0,
    framesDroppedBacklog: 0,
    framesDroppedByDecoder: 0,
    restarts: 0,
  };

  constructor(options: FfmpegDecoderOptions) {
    super();
    this.codec = options.codec;
    this.width = options.width;
    this.height = options.height;
    this.logger = options.logger;
    this.options = {
      ffmpegPath: options.ffmpegPath,
      legacyFfmpeg: options.legacyFfmpeg ?? false,
      codec: options.codec,
      width: options.width,
      height: options.height,
      maxBacklogBytes: options.maxBacklogBytes ?? 2 * 1024 * 1024,
      maxInFlightFrames: options.maxInFlightFrames ?? 30,
      maxQueuedFrames: options.maxQueuedFrames ?? 90,
      maxRestarts: options.maxRestarts ?? 5,
      restartWindowMs: options.restartWindowMs ?? 30_000,
      pictureTransport: options.pictureTransport ?? (pictureSocketSupported(options.ffmpegPath) ? 'socket' : 'stdout'),
    };
    if (
      !Number.isInteger(this.width) ||
      !Number.isInteger(this.height) ||
      this.width < 2 ||
      this.height < 2
    ) {
      throw new RangeError(`decoder output size must be integers >= 2, got ${this.width}x${this.height}`);
    }
    this.frameBytes = this.width * this.height * 3;
    this.spawn();
  }

  /**
   * fluent-ffmpeg runs `ffmpeg -encoders` once per process before its first command (and caches the
   * answer); calling this at start-up keeps that off the first call's time to first frame.
   */
  static warmUp(ffmpegPath: string): Promise<void> {
    // The picture-socket probe (`ffmpeg -protocols`, synchronous) likewise runs here, not in the
    // first session's constructor.
    pictureSocketSupported(ffmpegPath);
    return new Promise((resolve, reject) => {
      ffmpeg()
        .setFfmpegPath(ffmpegPath)
        .availableEncoders((error) =>
          error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
        );
    });
  }

  /** How pictures leave ffmpeg in this decoder (see FfmpegDecoderOptions.pictureTransport). */
  get pictureTransport(): PictureTransport {
    return this.options.pictureTransport;
  }

  /** The socket the running ffmpeg writes pictures into (transport `socket`), for tests and diagnostics. */
  get pictureSocketPath(): string | undefined {
    return this.generation?.pictureSocket?.path;
  }

  get stats(): FfmpegDecoderStats {
    return { ...this.counters, pid: this.generation?.proc?.pid };
  }

  /** The pid of the running ffmpeg, for tests and CPU accounting. */
  get pid(): number | undefined {
    return this.generation?.proc?.pid;
  }

  /** True while only a keyframe can be used (before the first, after a restart, after falling behind). */
  get awaitingKeyframe(): boolean {
    return this.needKeyframe;
  }

  get closed(): boolean {
    return this.closePromise !== undefined;
  }

  /** Hand one complete encoded frame to ffmpeg (or drop it, counted, when it cannot be decoded). */
  push(frame: EncodedFrame): void {
    if (this.closePromise || this.failed) return;
    this.counters.framesPushed++;
    if (this.needKeyframe && !frame.isKeyframe) {
      this.counters.framesDroppedAwaitingKeyframe++;
      return;
    }
    const generation = this.generation;
    if (!generation?.stdin) {
      // ffmpeg is still starting: keep the frames from the newest keyframe on, so the first
      // keyframe is not lost to start-up time.
      this.needKeyframe = false;
      if (frame.isKeyframe) {
        this.counters.framesDroppedBacklog += this.queued.length;
        this.queued = [frame];
      } else {
        this.queued.push(frame);
      }
      if (this.queued.length > this.options.maxQueuedFrames) this.enterBacklog(this.queued.length);
      return;
    }
    if (this.isBehind(generation)) {
      this.enterBacklog(1);
      return;
    }
    this.needKeyframe = false;
    this.write(generation, frame);
  }

  /** Kill ffmpeg and wait for it to exit. Safe to call more than once. */
  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  private async shutdown(): Promise<void> {
    this.queued = [];
    const generation = this.generation;
    if (!generation) return;
    this.clearInfoTimer(generation);
    this.killGeneration(generation);
    // A process that never started (fluent-ffmpeg still preparing) is killed from its 'start' handler.
    await generation.exitedPromise;
    generation.pictureSocket?.close();
    this.logger.debug({ stats: this.stats }, 'ffmpeg decoder closed');
  }

  private killGeneration(generation: Generation): void {
    if (!generation.proc || generation.exited) return;
    generation.stdin?.destroy();
    generation.proc.kill('SIGKILL');
  }

  private isBehind(generation: Generation): boolean {
    const stdinBacklog = generation.stdin?.writableLength ?? 0;
    return (
      stdinBacklog > this.options.maxBacklogBytes ||
      generation.inFlight.length > this.options.maxInFlightFrames
    );
  }

  private enterBacklog(dropped: number): void {
    this.counters.framesDroppedBacklog += dropped;
    this.queued = [];
    if (this.needKeyframe) return;
    this.needKeyframe = true;
    this.logger.warn({ codec: this.codec }, 'ffmpeg decoder behind; dropping until next keyframe');
    this.emit('keyframeNeeded', 'backlog');
  }

  private write(generation: Generation, frame: EncodedFrame): void {
    const stdin = generation.stdin;
    if (!stdin) return;
    if (!generation.headerWritten) {
      generation.headerWritten = true;
      if (this.codec === 'vp8') {
        const size = vp8KeyframeSize(frame.data) ?? { width: this.width, height: this.height };
        const header = ivfFileHeader(size.width, size.height);
        stdin.write(header);
        generation.bytesWritten += header.length;
      }
    }
    const bytes =
      this.codec === 'vp8' ? ivfFrame(frame.data, generation.nextPts++) : annexBAccessUnit(frame.data);
    generation.inFlight.push({ start: generation.bytesWritten, arrivalMs: frame.arrivalMs });
    generation.bytesWritten += bytes.length;
    stdin.write(bytes);
    // ffmpeg listens for its picture reader once it has input to probe.
    generation.pictureSocket?.connect();
  }

  private spawn(): void {
    const args = buildDecoderArgs({
      codec: this.codec,
      width: this.width,
      height: this.height,
      legacy: this.options.legacyFfmpeg,
    });
    let markExited: () => void = () => undefined;
    const exitedPromise = new Promise<void>((resolve) => {
      markExited = resolve;
    });
    const picture = this.freshPicture();
    // Set below, before ffmpeg starts; the sinks are created first because the command names them.
    const ref: { generation?: Generation } = {};
    let pictureSocket: PictureSocket | undefined;
    if (this.options.pictureTransport === 'socket') {
      try {
        pictureSocket = createPictureSocket({
          buffer: () => (ref.generation ? ref.generation.picture.subarray(ref.generation.pictureFill) : picture),
          filled: (n) => {
            if (ref.generation) this.onFilled(ref.generation, n);
          },
          error: (error) => this.logger.warn({ err: error }, 'ffmpeg picture socket error'),
        });
      } catch (error) {
        // No socket directory (tmpdir full or read-only): this process writes to stdout instead.
        this.logger.warn({ err: error }, 'ffmpeg picture socket unavailable; reading stdout');
      }
    }
    const command = ffmpeg({ stdoutLines: 20 })
      .setFfmpegPath(this.options.ffmpegPath)
      .input('pipe:0')
      .inputOptions(args.input)
      .output(
        pictureSocket?.url ??
          new Writable({
            write: (chunk: Buffer, _encoding, callback) => {
              if (ref.generation) this.onStdout(ref.generation, chunk);
              callback();
            },
          }),
      )
      // ffmpeg listens on the socket once it has probed its input; write() connects.
      .outputOptions(pictureSocket ? [...args.output, '-listen', '1'] : args.output);
    const generation: Generation = {
      command,
      proc: undefined,
      stdin: undefined,
      bytesWritten: 0,
      nextPts: 0,
      headerWritten: false,
      inFlight: [],
      infos: [],
      awaitingInfo: [],
      infoTimer: undefined,
      picture,
      pictureFill: 0,
      pictureSocket,
      exited: false,
      exitedPromise,
      markExited,
      stderrTail: [],
    };
    ref.generation = generation;
    this.generation = generation;

    command.on('start', () => this.onStart(generation));
    command.on('stderr', (line: string) => this.onStderr(generation, line));
    command.on('error', (error: Error) => {
      // Exits are handled from the process's own 'exit' event; this only catches a spawn that failed.
      if (generation.proc?.pid === undefined) this.onExit(generation, null, null, error);
    });
    command.on('end', () => undefined);
    command.run();
  }

  private onStart(generation: Generation): void {
    // fluent-ffmpeg sets ffmpegProc just before 'start' but does not declare it; it is the only way
    // to write frames straight to stdin and observe its backlog.
    const proc = (generation.command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
    if (!proc) return;
    generation.proc = proc;
    proc.once('exit', (code, signal) => this.onExit(generation, code, signal));
    if (proc.pid === undefined) return; // spawn failed; 'error' follows
    const stdin = proc.stdin;
    if (!stdin) return;
    stdin.on('error', (error: Error) => {
      // EPIPE when ffmpeg dies with frames in the pipe; the exit handler restarts it.
      this.logger.debug({ err: error }, 'ffmpeg stdin error');
    });
    if (this.closePromise || generation !== this.generation) {
      this.killGeneration(generation);
      return;
    }
    generation.stdin = stdin;
    this.logger.debug({ pid: proc.pid, codec: this.codec, pictures: this.options.pictureTransport }, 'ffmpeg decoder started');
    const queued = this.queued;
    this.queued = [];
    for (const frame of queued) this.write(generation, frame);
  }

  /** `n` more bytes of the current picture were read in place (the socket transport). */
  private onFilled(generation: Generation, n: number): void {
    if (generation.exited) return;
    generation.pictureFill += n;
    if (generation.pictureFill === this.frameBytes) this.completePicture(generation);
  }

  /** A chunk of stdout, copied into the current picture (the stdout transport). */
  private onStdout(generation: Generation, chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.frameBytes - generation.pictureFill);
      chunk.copy(generation.picture, generation.pictureFill, offset, offset + take);
      generation.pictureFill += take;
      offset += take;
      if (generation.pictureFill === this.frameBytes) this.completePicture(generation);
    }
  }

  private completePicture(generation: Generation): void {
    const picture = generation.picture;
    generation.picture = this.freshPicture();
    generation.pictureFill = 0;
    this.onPicture(generation, picture, performance.now());
  }

  private onPicture(generation: Generation, data: Buffer, decodedMs: number): void {
    const info = generation.infos.shift();
    if (info) {
      this.emitPicture(generation, data, decodedMs, info);
      return;
    }
    // ffmpeg writes showinfo's line before the picture, but the two pipes are read independently.
    generation.awaitingInfo.push({ data, decodedMs });
    generation.infoTimer ??= setTimeout(() => {
      generation.infoTimer = undefined;
      for (const waiting of generation.awaitingInfo.splice(0)) {
        this.emitPicture(generation, waiting.data, waiting.decodedMs, undefined);
      }
    }, INFO_WAIT_MS);
  }

  private onStderr(generation: Generation, line: string): void {
    const info = parseShowinfoLine(line);
    if (!info) {
      generation.stderrTail.push(line);
      if (generation.stderrTail.length > 20) generation.stderrTail.shift();
      this.logger.trace({ line }, 'ffmpeg stderr');
      return;
    }
    const waiting = generation.awaitingInfo.shift();
    if (waiting) {
      this.emitPicture(generation, waiting.data, waiting.decodedMs, info);
      if (generation.awaitingInfo.length === 0) this.clearInfoTimer(generation);
    } else {
      generation.infos.push(info);
    }
  }

  private clearInfoTimer(generation: Generation): void {
    if (generation.infoTimer) clearTimeout(generation.infoTimer);
    generation.infoTimer = undefined;
  }

  /** A picture buffer: a recycled one when the session gave one back, else a new allocation. */
  private freshPicture(): Buffer {
    const spare = this.spares.pop();
    return spare ? Buffer.from(spare) : Buffer.allocUnsafe(this.frameBytes);
  }

  /** Takes back a picture's memory (whole, of this stream's frame size) for a later picture. */
  readonly recycle = (buffer: ArrayBuffer): void => {
    if (buffer.byteLength === this.frameBytes && this.spares.length < MAX_SPARE_PICTURES && !this.closePromise) this.spares.push(buffer);
  };

  private emitPicture(
    generation: Generation,
    data: Buffer,
    decodedMs: number,
    info: ShowinfoLine | undefined,
  ): void {
    const inFlight = generation.inFlight;
    let index = -1;
    if (info && info.pos >= 0) {
      const pos = info.pos;
      index = inFlight.findIndex((entry) => entry.start >= pos && entry.start - pos <= POSITION_SLACK_BYTES);
    }
    if (index < 0 && inFlight.length > 0) index = 0;
    const source = index >= 0 ? inFlight[index] : undefined;
    if (index > 0) this.counters.framesDroppedByDecoder += index;
    if (index >= 0) inFlight.splice(0, index + 1);
    if (!source) {
      // A picture nobody wrote a frame for: its age is unknown, so it is not passed on.
      this.logger.debug('ffmpeg produced a picture with no matching input; dropped');
      return;
    }
    this.counters.framesDecoded++;
    if (this.closePromise) return;
    this.emit('frame', {
      data,
      width: this.width,
      height: this.height,
      arrivalMs: source.arrivalMs,
      decodedMs,
      recycle: this.recycle,
    });
  }

  private onExit(
    generation: Generation,
    exitCode: number | null,
    signal: NodeJS.Signals | null,
    error?: Error,
  ): void {
    if (generation.exited) return;
    generation.exited = true;
    generation.markExited();
    generation.pictureSocket?.close();
    this.clearInfoTimer(generation);
    if (generation !== this.generation || this.closePromise) return;

    this.counters.framesDroppedByDecoder += generation.inFlight.length;
    generation.inFlight = [];
    const now = performance.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < this.options.restartWindowMs);
    this.restartTimes.push(now);
    const context = { exitCode, signal, err: error, stderr: generation.stderrTail.slice(-5) };
    if (this.restartTimes.length > this.options.maxRestarts) {
      this.failed = true;
      this.logger.error(context, 'ffmpeg decoder keeps exiting; giving up');
      this.emit(
        'failed',
        error ??
          new Error(`ffmpeg exited ${this.restartTimes.length} times in ${this.options.restartWindowMs} ms`),
      );
      return;
    }
    this.counters.restarts++;
    this.logger.warn(context, 'ffmpeg decoder exited unexpectedly; restarting');
    this.needKeyframe = true;
    this.queued = [];
    this.spawn();
    this.emit('restart', { exitCode, signal, restarts: this.counters.restarts });
    this.emit('keyframeNeeded', 'restart');
  }
}

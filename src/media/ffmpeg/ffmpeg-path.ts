import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

export type FfmpegSource = 'config' | 'path' | 'installer';

export interface FfmpegBinary {
  path: string;
  source: FfmpegSource;
  /**
   * True for builds older than 5.1 (the npm-bundled one is a 2018 build): they lack `-fps_mode` and
   * showinfo's `checksum` option, so the decoder falls back to `-vsync passthrough` and plain showinfo.
   */
  legacy: boolean;
}

export interface ResolveFfmpegOptions {
  /** FFMPEG_PATH as the config parsed it; wins when set. */
  configured?: string | undefined;
  /** The PATH to search (the config passes process.env.PATH; src/ never reads the environment). */
  pathEnv?: string | undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'ffmpeg');
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function installerBinary(): string | undefined {
  try {
    // Loaded lazily: the package throws at require time on unsupported platforms.
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    return typeof installer.path === 'string' && isExecutableFile(installer.path)
      ? installer.path
      : undefined;
  } catch {
    return undefined;
  }
}

/** Reads `ffmpeg -version` once per binary at start-up. */
export function isLegacyFfmpeg(path: string): boolean {
  const result = spawnSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 5_000 });
  const firstLine = (result.stdout ?? '').split('\n', 1)[0] ?? '';
  const release = /ffmpeg version n?(\d+)\.(\d+)/.exec(firstLine);
  if (release) {
    const major = Number(release[1]);
    const minor = Number(release[2]);
    return major < 5 || (major === 5 && minor < 1);
  }
  // Git snapshots ("N-47683-g0e8eb07980") carry no release number; their copyright year dates them.
  const year = /Copyright \(c\) \d{4}-(\d{4})/.exec(firstLine);
  return year ? Number(year[1]) < 2022 : true;
}

/**
 * FFMPEG_PATH, else the system's ffmpeg, else the npm-bundled one. The system build comes before the
 * bundled one because the bundled ffmpeg (4.x) predates `-fps_mode`, which the decoder needs.
 */
export function resolveFfmpegPath(options: ResolveFfmpegOptions = {}): FfmpegBinary {
  const configured = options.configured?.trim();
  if (configured !== undefined && configured !== '') {
    // An explicit setting that points nowhere is a deployment mistake; falling back would hide it.
    if (!isExecutableFile(configured)) {
      throw new Error(`FFMPEG_PATH=${configured} is not an executable file`);
    }
    return { path: configured, source: 'config', legacy: isLegacyFfmpeg(configured) };
  }
  const onPath = options.pathEnv === undefined ? undefined : findOnPath(options.pathEnv);
  if (onPath !== undefined) return { path: onPath, source: 'path', legacy: isLegacyFfmpeg(onPath) };
  const bundled = installerBinary();
  if (bundled !== undefined) return { path: bundled, source: 'installer', legacy: isLegacyFfmpeg(bundled) };
  throw new Error('no ffmpeg binary: set FFMPEG_PATH, install ffmpeg, or install @ffmpeg-installer/ffmpeg');
}

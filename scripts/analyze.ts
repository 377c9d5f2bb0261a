/**
 * Offline analysis of a recorded video: ffmpeg decode at the source's frame rate, the server's
 * pose pipeline, then the same SessionAnalyzer a live session runs.
 * Usage: npm run analyze -- <video-file> [--exercise NAME] [--json]
 * With --json, stdout holds only the final summary JSON; progress goes to stderr.
 */
import { existsSync } from 'node:fs';
import { PosePool } from '../src/infer/pose-pool.ts';
import { createLogger } from '../src/log.ts';
import { resolveFfmpegPath } from '../src/media/ffmpeg/ffmpeg-path.ts';
import { readVideoFrames } from '../src/media/video-file-source.ts';
import { listExercises, SessionAnalyzer } from '../src/analysis/index.ts';
import type { SessionSummary } from '../src/analysis/index.ts';

interface Args {
  file: string;
  exercise: string;
  json: boolean;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run analyze -- <video-file> [--exercise NAME|auto] [--json]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  let file: string | undefined;
  let exercise = 'auto';
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--exercise') {
      const name = argv[++i];
      if (name === undefined) usage('--exercise needs a name');
      exercise = name;
    } else if (a?.startsWith('--exercise=')) exercise = a.slice('--exercise='.length);
    else if (a !== undefined && !a.startsWith('--') && file === undefined) file = a;
    else usage(`unexpected argument: ${a}`);
  }
  if (file === undefined) usage('no video file given');
  return { file, exercise, json };
}

function describe(summary: SessionSummary, file: string): string {
  const lines = [`${file}: ${summary.session_duration.toFixed(1)} s, ${summary.total_frames} frames`];
  for (const [name, d] of Object.entries(summary.exercise_details)) {
    const hold = d.hold_seconds !== undefined ? `, held ${d.hold_seconds.toFixed(1)} s` : '';
    lines.push(
      `  ${name}: ${d.total_reps} reps in ${d.sets} set(s)${hold}, form score avg ${d.avg_form_score} best ${d.best_form_score}`,
    );
  }
  for (const r of summary.reps) {
    const faults = r.faults.length ? r.faults.map((f) => f.feedback).join('; ') : 'clean';
    lines.push(
      `    rep ${r.index} ${r.start_time.toFixed(2)}-${r.end_time.toFixed(2)} s  score ${r.form_score}  ${faults}`,
    );
  }
  if (summary.reps.length === 0 && Object.keys(summary.exercise_details).length === 0)
    lines.push('  no exercise analysed');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.file)) usage(`no such file: ${args.file}`);
  let analyzer: SessionAnalyzer;
  try {
    analyzer = new SessionAnalyzer({ exercise: args.exercise });
  } catch {
    usage(`unknown exercise "${args.exercise}"; known: auto, ${listExercises().join(', ')}`);
  }
  const ffmpeg = resolveFfmpegPath({ pathEnv: process.env.PATH });
  const pool = new PosePool({
    size: 1,
    backend: 'auto',
    modelType: 'lite',
    smoothing: true,
    timeoutMs: 30_000,
    logger: createLogger('warn'),
  });
  const log = (line: string) => {
    if (!args.json) process.stderr.write(`${line}\n`);
  };
  try {
    const backend = await pool.ready();
    log(`pose backend ${backend}, ffmpeg ${ffmpeg.path}`);
    let aspect = 16 / 9;
    const stream = 'analyze';
    for await (const f of readVideoFrames(args.file, {
      ffmpegPath: ffmpeg.path,
      maxSide: 640,
      onInfo: (info) => {
        aspect = info.width / info.height;
        log(`${info.sourceWidth}x${info.sourceHeight} at ${info.fps} fps`);
      },
    })) {
      const { result } = await pool.estimate(stream, f.data, f.width, f.height, f.t * 1000);
      analyzer.update({ t: f.t, landmarks: result.landmarks ?? null, aspect });
    }
    pool.releaseStream(stream);
  } finally {
    await pool.close();
  }
  analyzer.finish();
  const summary = analyzer.summary();
  process.stdout.write(args.json ? `${JSON.stringify(summary)}\n` : `${describe(summary, args.file)}\n`);
}

await main();

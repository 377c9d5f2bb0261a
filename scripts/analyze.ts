/**
 * Offline analysis of a recorded video: ffmpeg decode at the source's frame rate, the server's
 * pose pipeline, then the same analyzer a live session runs: exercise recognition (the model of
 * WORKOUT_MODEL_PATH, else the committed default) in front of the analysis engine, unless an
 * exercise is declared.
 * Usage: npm run analyze -- <video-file> [--exercise NAME|auto] [--json]
 * With --json, stdout holds only the final summary JSON (plus `recognized`: the exercise segments
 * recognition chose, in auto mode); progress goes to stderr.
 */
import { existsSync } from 'node:fs';
import { PosePool } from '../src/infer/pose-pool.ts';
import { createLogger } from '../src/log.ts';
import { resolveFfmpegPath } from '../src/media/ffmpeg/ffmpeg-path.ts';
import { readVideoFrames } from '../src/media/video-file-source.ts';
import { findExercise, listExercises } from '../src/analysis/index.ts';
import type { SummaryPayload } from '../signaling/index.ts';
import { createRecognizingAnalyzerFactory, RecognizingAnalyzer } from '../src/recognition/recognizing-analyzer.ts';

/** A stretch of the recording during which recognition held one exercise. */
export interface RecognizedSegment {
  exercise: string;
  from: number;
  to: number;
  /** Mean classifier confidence over the segment's frames. */
  confidence: number;
}

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

function describe(summary: SummaryPayload, file: string, recognized: readonly RecognizedSegment[] | null): string {
  const lines = [`${file}: ${summary.session_duration.toFixed(1)} s, ${summary.total_frames} frames`];
  if (recognized !== null) {
    lines.push(
      recognized.length === 0
        ? '  recognised: no exercise'
        : `  recognised: ${recognized.map((r) => `${r.exercise} ${r.from.toFixed(1)}-${r.to.toFixed(1)} s (confidence ${r.confidence.toFixed(2)})`).join(', ')}`,
    );
  }
  for (const [name, d] of Object.entries(summary.exercise_details)) {
    const hold = d.hold_seconds !== undefined ? `, held ${d.hold_seconds.toFixed(1)} s` : '';
    lines.push(
      `  ${name}: ${d.total_reps} reps in ${d.sets} set(s)${hold}, form score avg ${d.avg_form_score} best ${d.best_form_score}`,
    );
  }
  const reps = summary.reps ?? [];
  for (const r of reps) {
    const faults = r.faults.length ? r.faults.map((f) => f.feedback).join('; ') : 'clean';
    lines.push(
      `    rep ${r.index} ${r.start_time.toFixed(2)}-${r.end_time.toFixed(2)} s  score ${r.form_score}  ${faults}`,
    );
  }
  if (reps.length === 0 && Object.keys(summary.exercise_details).length === 0)
    lines.push('  no exercise analysed');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.file)) usage(`no such file: ${args.file}`);
  const auto = args.exercise.trim().toLowerCase() === 'auto';
  if (!auto && findExercise(args.exercise) === undefined) {
    usage(`unknown exercise "${args.exercise}"; known: auto, ${listExercises().join(', ')}`);
  }
  // The server's loader: WORKOUT_MODEL_PATH, else the committed default, validated the same way.
  const recognition = await createRecognizingAnalyzerFactory(process.env.WORKOUT_MODEL_PATH);
  const analyzer = new RecognizingAnalyzer(recognition.classifier, { exercise: args.exercise });
  const recognized: RecognizedSegment[] = [];
  const confidences: number[] = [];
  const follow = (t: number, exercise: string | null, confidence: number): void => {
    const last = recognized.at(-1);
    if (exercise !== null && last?.exercise === exercise) {
      last.to = t;
      confidences.push(confidence);
      return;
    }
    if (last) last.confidence = Math.round((confidences.reduce((a, c) => a + c, 0) / Math.max(1, confidences.length)) * 100) / 100;
    confidences.length = 0;
    if (exercise !== null) {
      recognized.push({ exercise, from: t, to: t, confidence: 0 });
      confidences.push(confidence);
    }
  };
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
      const out = analyzer.update({ t: f.t, landmarks: result.landmarks ?? null, aspect });
      follow(f.t, out.exercise, out.confidence);
    }
    follow(Number.POSITIVE_INFINITY, null, 0);
    pool.releaseStream(stream);
  } finally {
    await pool.close();
  }
  analyzer.finish();
  const summary = analyzer.summary();
  recognition.close();
  const segments = auto ? recognized.map((r) => ({ ...r, from: round2(r.from), to: round2(r.to) })) : null;
  process.stdout.write(
    args.json
      ? `${JSON.stringify(segments === null ? summary : { ...summary, recognized: segments })}\n`
      : `${describe(summary, args.file, segments)}\n`,
  );
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

await main();

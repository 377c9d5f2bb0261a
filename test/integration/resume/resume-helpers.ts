/** Drives counted reps quickly (edge-mode landmarks) and reads the session back, for the resume tests. */
import type { ServerMessage } from '../../../signaling/index.ts';
import type { MessageLog } from '../../helpers/clients.ts';
import { generateExercise } from '../../helpers/motion-generator.ts';

/** `reps` squats as landmarks messages, timestamped on a client clock (sent as fast as possible). */
export function squatMessages(reps: number, seed: number): { messages: unknown[]; frames: number } {
  const frames = generateExercise('squat', { reps, fps: 30, seed });
  return {
    frames: frames.length,
    messages: frames.map((f) => ({
      type: 'landmarks',
      payload: {
        landmarks: f.landmarks,
        width: 640,
        height: Math.round(640 / f.aspect),
        timestamp_ms: f.t * 1000,
      },
    })),
  };
}

export function systemOf(m: ServerMessage): Extract<ServerMessage, { type: 'system' }>['payload'] {
  if (m.type !== 'system') throw new Error(`expected system, got ${m.type}`);
  return m.payload;
}

/** Sends the messages and waits for the workout result of the last one; returns its rep count. */
export async function sendAndCount(
  log: MessageLog,
  send: (msg: unknown) => void,
  messages: unknown[],
  frameCount: number,
): Promise<number> {
  const from = log.messages.length;
  for (const m of messages) send(m);
  const last = await log.waitFor(
    (m) => m.type === 'workout' && m.payload.frame_count === frameCount,
    20_000,
    from,
  );
  return last.type === 'workout' ? last.payload.reps : -1;
}

/**
 * Sends the messages, then `get_summary`; returns the squats the summary counts. For socket.io, where
 * `workout` results are volatile (dropped under load) but the summary is not.
 */
export async function sendAndSummarise(
  log: MessageLog,
  send: (msg: unknown) => void,
  messages: unknown[],
): Promise<number> {
  const from = log.messages.length;
  for (const m of messages) send(m);
  send({ type: 'get_summary' });
  const summary = await log.waitFor((m) => m.type === 'summary', 20_000, from);
  return summary.type === 'summary' ? (summary.payload.exercise_details.squat?.total_reps ?? 0) : -1;
}

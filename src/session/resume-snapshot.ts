/**
 * The resumable state of a session as stored (JSON in the history store), checked on the way back in:
 * a pod of another version, or a damaged row, must not restore garbage into a live session.
 */
import { z } from 'zod';
import { repRecordSchema } from '../../signaling/index.ts';
import type { SessionState } from './session.ts';

const finite = z.number().finite();

const analyzerSnapshotSchema = z.object({
  version: z.literal(1),
  exercise: z.string().nullable(),
  auto: z.boolean(),
  firstT: finite.nullable(),
  lastT: finite.nullable(),
  frames: z.number().int().min(0),
  activeSeconds: z.record(z.string(), finite.min(0)),
  trackers: z.array(
    z.object({
      exercise: z.string(),
      reps: z.array(repRecordSchema),
      holdSeconds: finite.min(0),
      holdInPositionS: finite.min(0),
      holdBouts: z.array(z.tuple([finite, finite])),
    }),
  ),
});

export const sessionStateSchema = z.object({
  startedAtMs: finite,
  framesReceived: z.number().int().min(0),
  framesAnalyzed: z.number().int().min(0),
  analyzer: analyzerSnapshotSchema,
});

export function encodeSessionState(state: SessionState): string {
  return JSON.stringify(state);
}

/** Null when the text is not a state this build can restore. */
export function decodeSessionState(text: string): SessionState | null {
  try {
    const parsed = sessionStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

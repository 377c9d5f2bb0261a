/**
 * The wire protocol: every message in and out, as zod schemas.
 * Field names and types follow the original service (shared/seed.md); our additions are optional
 * so seed-era clients keep working. Isomorphic: the server, the web demo and the tests import it.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from './error-codes.ts';

export const PROTOCOL_VERSION = '1.0';

const rgb = z.tuple([z.number().int().min(0).max(255), z.number().int().min(0).max(255), z.number().int().min(0).max(255)]);

/** 33 BlazePose landmarks, each [x, y, z, visibility]; x, y normalised to the image, z in image-width units. */
export const landmarkSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);
export const landmarksSchema = z.array(landmarkSchema).length(33);

// ---- client → server -------------------------------------------------------------------------

export const frameMessageSchema = z.object({ type: z.literal('frame'), payload: z.string() });
export const resetMessageSchema = z.object({ type: z.literal('reset'), payload: z.unknown().optional() });
export const getSummaryMessageSchema = z.object({ type: z.literal('get_summary'), payload: z.unknown().optional() });
export const setExerciseMessageSchema = z.object({
  type: z.literal('set_exercise'),
  payload: z.object({ exercise: z.string().min(1).max(64) }),
});

/**
 * Edge mode: the browser ran pose itself and sends only the landmarks (no video leaves the device).
 * `landmarks: null` means nobody was found in that frame. `width`/`height` give the frame's geometry
 * (angles are computed in true pixel proportions); `timestamp_ms` is the capture time on the client's
 * monotonic clock (performance.now()), used for tempo when present.
 */
export const landmarksMessageSchema = z.object({
  type: z.literal('landmarks'),
  payload: z.object({
    landmarks: landmarksSchema.nullable(),
    width: z.number().int().min(1).max(16384),
    height: z.number().int().min(1).max(16384),
    timestamp_ms: z.number().min(0).optional(),
  }),
});

/**
 * Continue a session after a dropped connection, on any transport: the `session_id` and `resume_token`
 * of an earlier `system` message. Valid for RESUME_WINDOW_MS after the disconnect; a wrong or expired
 * token gets RESUME_INVALID and the connection keeps its fresh session.
 */
export const resumeMessageSchema = z.object({
  type: z.literal('resume'),
  payload: z.object({ session_id: z.string().min(1).max(64), resume_token: z.string().min(1).max(128) }),
});

export const clientMessageSchema = z.discriminatedUnion('type', [
  frameMessageSchema,
  resetMessageSchema,
  getSummaryMessageSchema,
  setExerciseMessageSchema,
  landmarksMessageSchema,
  resumeMessageSchema,
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export const CLIENT_MESSAGE_TYPES = ['frame', 'reset', 'get_summary', 'set_exercise', 'landmarks', 'resume'] as const;
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number];

// ---- server → client -------------------------------------------------------------------------

export const workoutPayloadSchema = z.object({
  exercise: z.string().nullable(),
  confidence: z.number().min(0).max(1),
  feedback: z.string(),
  angle: z.number().nullable(),
  reps: z.number().int().min(0),
  landmarks_detected: z.boolean(),
  form_color: rgb,
  session_time: z.number().min(0),
  frame_count: z.number().int().min(0),
  // extensions
  landmarks: landmarksSchema.optional(),
  form_score: z.number().min(0).max(100).optional(),
  phase: z.string().optional(),
  hold_seconds: z.number().min(0).optional(),
  coaching_tip: z.string().optional(),
  latency_ms: z.number().min(0).optional(),
  /** Per-stage milliseconds for this frame; only when the server runs with REPORT_STAGE_TIMINGS (benchmarks). */
  stages_ms: z
    .object({
      decode: z.number().min(0),
      wait: z.number().min(0),
      pose: z.number().min(0),
      inference: z.number().min(0),
      classify: z.number().min(0),
      analyze: z.number().min(0),
    })
    .partial()
    .optional(),
});
export type WorkoutPayload = z.infer<typeof workoutPayloadSchema>;

export const systemPayloadSchema = z.object({
  status: z.enum(['initialized', 'resumed', 'reset', 'exercise_set', 'draining']),
  message: z.string(),
  model_loaded: z.boolean(),
  supported_exercises: z.number().int().min(0),
  // extensions
  protocol_version: z.string(),
  session_id: z.string().optional(),
  /** Secret for `resume` (on `initialized` and `resumed`; a resume rotates it). Keep it like a password. */
  resume_token: z.string().optional(),
  exercises: z.array(z.string()).optional(),
  exercise: z.string().optional(),
  backend: z.string().optional(),
  pose_model: z.string().optional(),
});
export type SystemPayload = z.infer<typeof systemPayloadSchema>;

const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

export const errorPayloadSchema = z.object({
  message: z.string(),
  timestamp: z.string(),
  // extensions
  code: errorCodeSchema,
  retryable: z.boolean(),
  fault: z.enum(['client', 'server']),
});
export type ErrorPayload = z.infer<typeof errorPayloadSchema>;

export const repFaultSchema = z.object({ code: z.string(), feedback: z.string() });
export const repRecordSchema = z.object({
  exercise: z.string(),
  index: z.number().int().min(1),
  start_time: z.number(),
  end_time: z.number(),
  duration: z.number().min(0),
  eccentric_s: z.number().min(0),
  concentric_s: z.number().min(0),
  range_of_motion: z.number(),
  min_angle: z.number(),
  max_angle: z.number(),
  form_score: z.number().min(0).max(100),
  faults: z.array(repFaultSchema),
});
export type RepRecordMessage = z.infer<typeof repRecordSchema>;

export const exerciseDetailSchema = z.object({
  total_reps: z.number().int().min(0),
  duration: z.number().min(0),
  best_form_score: z.number().min(0).max(100),
  // extensions
  avg_form_score: z.number().min(0).max(100).optional(),
  sets: z.number().int().min(0).optional(),
  hold_seconds: z.number().min(0).optional(),
});

export const summaryPayloadSchema = z.object({
  session_duration: z.number().min(0),
  total_frames: z.number().int().min(0),
  exercises_performed: z.number().int().min(0),
  exercise_details: z.record(z.string(), exerciseDetailSchema),
  // extensions
  avg_form_score: z.number().min(0).max(100).optional(),
  sets: z.number().int().min(0).optional(),
  reps: z.array(repRecordSchema).optional(),
  session_id: z.string().optional(),
  analyzed_frames: z.number().int().min(0).optional(),
});
export type SummaryPayload = z.infer<typeof summaryPayloadSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('workout'), payload: workoutPayloadSchema }),
  z.object({ type: z.literal('system'), payload: systemPayloadSchema }),
  z.object({ type: z.literal('error'), payload: errorPayloadSchema }),
  z.object({ type: z.literal('summary'), payload: summaryPayloadSchema }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

export const NEUTRAL_FORM_COLOR: [number, number, number] = [128, 128, 128];

export function errorMessage(code: ErrorCode, detail?: string, now: Date = new Date()): ServerMessage {
  const entry = ERROR_CODES[code];
  return {
    type: 'error',
    payload: {
      message: detail ? `${entry.message}: ${detail}` : entry.message,
      timestamp: now.toISOString(),
      code,
      retryable: entry.retryable,
      fault: entry.fault,
    },
  };
}

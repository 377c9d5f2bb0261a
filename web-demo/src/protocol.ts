/** The demo speaks only the protocol in signaling/: the same zod schemas the server validates with. */
import { serverMessageSchema, type ServerMessage } from '../../signaling/messages.ts';
import { log } from './log.ts';

export { sessionDescriptionSchema } from '../../signaling/socket-events.ts';

export type {
  ClientMessage,
  ServerMessage,
  SummaryPayload,
  SystemPayload,
  WorkoutPayload,
  ErrorPayload,
} from '../../signaling/messages.ts';
export type {
  SessionDescriptionInit,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../signaling/socket-events.ts';

/** Validates one server message (a JSON text or an already-decoded envelope); undefined when malformed. */
export function parseServerMessage(raw: unknown): ServerMessage | undefined {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  const parsed = serverMessageSchema.safeParse(value);
  if (!parsed.success) {
    log.warn('ignored a malformed server message', parsed.error.issues[0]);
    return undefined;
  }
  return parsed.data;
}

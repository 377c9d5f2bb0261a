import { clientMessageSchema, CLIENT_MESSAGE_TYPES, type ClientMessage } from './messages.ts';
import type { ErrorCode } from './error-codes.ts';

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; detail: string };

const PAYLOAD_REQUIRED: ReadonlySet<string> = new Set(['frame', 'set_exercise', 'landmarks', 'resume']);

/** Parses one client message from its wire text (or an already-decoded value, as socket.io delivers). */
export function parseClientMessage(raw: unknown): ParseResult {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, code: 'BAD_JSON', detail: 'could not parse JSON' };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'INVALID_MESSAGE', detail: 'expected a JSON object with a "type"' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, code: 'INVALID_MESSAGE', detail: 'missing "type"' };
  if (!(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    return { ok: false, code: 'UNKNOWN_TYPE', detail: `"${type.slice(0, 32)}"` };
  }
  if (PAYLOAD_REQUIRED.has(type) && (value as { payload?: unknown }).payload === undefined) {
    return { ok: false, code: 'MISSING_PAYLOAD', detail: `"${type}" needs a payload` };
  }
  const parsed = clientMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const detail = issue ? `${issue.path.join('.')}: ${issue.message}` : type;
    return { ok: false, code: type === 'landmarks' ? 'INVALID_LANDMARKS' : 'INVALID_MESSAGE', detail: detail.slice(0, 200) };
  }
  return { ok: true, message: parsed.data };
}

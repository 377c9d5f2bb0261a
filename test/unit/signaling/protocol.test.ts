import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  errorMessage,
  parseClientMessage,
  PROTOCOL_VERSION,
  serverMessageSchema,
  workoutPayloadSchema,
} from '../../../signaling/index.ts';

describe('client message parsing', () => {
  it('accepts the seed messages', () => {
    const frame = parseClientMessage('{"type":"frame","payload":"data:image/jpeg;base64,/9j/4AAQ"}');
    expect(frame).toEqual({ ok: true, message: { type: 'frame', payload: 'data:image/jpeg;base64,/9j/4AAQ' } });
    expect(parseClientMessage('{"type":"reset"}')).toMatchObject({ ok: true, message: { type: 'reset' } });
    expect(parseClientMessage('{"type":"get_summary"}')).toMatchObject({ ok: true, message: { type: 'get_summary' } });
    expect(parseClientMessage({ type: 'set_exercise', payload: { exercise: 'squat' } })).toMatchObject({ ok: true });
  });

  it.each([
    ['not json {', 'BAD_JSON'],
    ['[1,2]', 'INVALID_MESSAGE'],
    ['"frame"', 'INVALID_MESSAGE'],
    ['{"payload":"x"}', 'INVALID_MESSAGE'],
    ['{"type":"dance"}', 'UNKNOWN_TYPE'],
    ['{"type":"frame"}', 'MISSING_PAYLOAD'],
    ['{"type":"frame","payload":42}', 'INVALID_MESSAGE'],
    ['{"type":"set_exercise","payload":{"exercise":7}}', 'INVALID_MESSAGE'],
  ])('rejects %s with %s', (raw, code) => {
    const result = parseClientMessage(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.code).toBe(code);
  });

  it('drops __proto__ keys instead of polluting prototypes', () => {
    const result = parseClientMessage('{"type":"reset","__proto__":{"polluted":true}}');
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('server messages', () => {
  it('accepts the seed example workout payload unchanged', () => {
    const seedExample = {
      exercise: 'push-up',
      confidence: 0.89,
      feedback: 'Great form! Keep your back straight',
      angle: 85,
      reps: 12,
      landmarks_detected: true,
      form_color: [0, 255, 0],
      session_time: 45.2,
      frame_count: 1354,
    };
    expect(workoutPayloadSchema.parse(seedExample)).toEqual(seedExample);
  });

  it('builds error messages with code, retryable, fault and the seed fields', () => {
    const msg = errorMessage('CORRUPT_IMAGE', 'truncated', new Date('2024-01-15T10:30:00Z'));
    expect(serverMessageSchema.parse(msg)).toEqual({
      type: 'error',
      payload: {
        message: 'Image could not be decoded: truncated',
        timestamp: '2024-01-15T10:30:00.000Z',
        code: 'CORRUPT_IMAGE',
        retryable: false,
        fault: 'client',
      },
    });
  });

  it('has a protocol version', () => {
    expect(PROTOCOL_VERSION).toMatch(/^\d+\.\d+$/);
  });
});

describe('error catalog', () => {
  it('documents every code in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const undocumented = Object.keys(ERROR_CODES).filter((code) => !doc.includes(`| \`${code}\` |`));
    expect(undocumented).toEqual([]);
  });

  it('uses stable upper-snake-case codes', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
  });
});

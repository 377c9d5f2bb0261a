import { pino, type Logger } from 'pino';

export type { Logger };

/** The one root logger; stages take a child logger (`logger.child({ sessionId })`). */
export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { service: 'workout-rtc' } });
}

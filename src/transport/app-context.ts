import type { Config } from '../config/schema.ts';
import type { PosePool } from '../infer/pose-pool.ts';
import type { Logger } from '../log.ts';
import type { ErrorCode } from '../../signaling/index.ts';
import type { Metrics, Transport } from '../metrics/metrics.ts';
import type { SessionAnalyzerPort } from '../session/analyzer-port.ts';
import type { ResumeService } from '../session/resume-service.ts';
import type { Authenticator, AuthRejectReason } from './auth.ts';

/** What every transport needs from the composition root (src/app.ts). */
export interface AppContext {
  config: Config;
  pool: PosePool;
  metrics: Metrics;
  logger: Logger;
  exercises: readonly string[];
  createAnalyzer: () => SessionAnalyzerPort;
  isDraining: () => boolean;
  /** Whether a new connection may open a session: undefined, or the (counted) refusal to send. */
  /** Admission of a new connection from `address`: a refusal code, or undefined (then `leave(address)` when it ends). */
  admit: (address: string) => Extract<ErrorCode, 'SERVER_DRAINING' | 'SESSION_LIMIT'> | undefined;
  leave: (address: string) => void;
  auth: Authenticator;
  /** Counts a refused connection (fixed reasons only). */
  onAuthReject: (reason: AuthRejectReason) => void;
  /** Records sessions in the history store and hands dropped ones over on `resume`. */
  resume: ResumeService;
  /** Registers a live connection so drain can send summaries and close it. */
  track: (conn: { drain: () => void; close: () => void; transport: Transport }) => () => void;
}

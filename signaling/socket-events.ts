/**
 * socket.io event maps, typed for both ends. Legacy mode uses events named after the message types
 * (payloads as in the JSON envelope); WebRTC signaling uses `offer`/`ice-candidate`/`hangup`.
 */
import { z } from 'zod';
import type { ErrorPayload, SummaryPayload, SystemPayload, WorkoutPayload } from './messages.ts';

export const sessionDescriptionSchema = z.object({ type: z.enum(['offer', 'answer']), sdp: z.string() });
export type SessionDescriptionInit = z.infer<typeof sessionDescriptionSchema>;

export const iceCandidateSchema = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).nullish(),
  sdpMLineIndex: z.number().int().min(0).max(64).nullish(),
});
export type IceCandidateInit = z.infer<typeof iceCandidateSchema>;

export type OfferAck = (answer: SessionDescriptionInit | { error: { code: string; message: string } }) => void;

export interface ClientToServerEvents {
  frame: (payload: string) => void;
  reset: () => void;
  get_summary: () => void;
  set_exercise: (payload: { exercise: string }) => void;
  resume: (payload: { session_id: string; resume_token: string }) => void;
  /** The whole envelope, as on the plain WebSocket. */
  message: (envelope: unknown) => void;
  offer: (offer: SessionDescriptionInit, ack: OfferAck) => void;
  'ice-candidate': (candidate: IceCandidateInit) => void;
  hangup: () => void;
}

export interface ServerToClientEvents {
  workout: (payload: WorkoutPayload) => void;
  system: (payload: SystemPayload) => void;
  error: (payload: ErrorPayload) => void;
  summary: (payload: SummaryPayload) => void;
  'ice-candidate': (candidate: IceCandidateInit) => void;
}

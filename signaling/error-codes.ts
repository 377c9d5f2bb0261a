/**
 * The one error catalog. Codes are stable: clients branch on them, dashboards count them.
 * `fault` says who is at fault; `retryable` says whether sending the same thing again later can succeed.
 * Every code is documented in docs/errors.md (a test checks it).
 */
export const ERROR_CODES = {
  BAD_JSON: { fault: 'client', retryable: false, message: 'Message is not valid JSON' },
  INVALID_MESSAGE: { fault: 'client', retryable: false, message: 'Message does not match the protocol schema' },
  UNKNOWN_TYPE: { fault: 'client', retryable: false, message: 'Unknown message type' },
  MISSING_PAYLOAD: { fault: 'client', retryable: false, message: 'Message needs a payload' },
  MESSAGE_TOO_LARGE: { fault: 'client', retryable: false, message: 'Message exceeds the size limit' },
  RATE_LIMITED: { fault: 'client', retryable: true, message: 'Too many messages; slow down' },
  INVALID_FRAME: { fault: 'client', retryable: false, message: 'Frame is not a base64 image data URL' },
  FRAME_TOO_LARGE: { fault: 'client', retryable: false, message: 'Frame exceeds the byte limit' },
  UNSUPPORTED_IMAGE_TYPE: { fault: 'client', retryable: false, message: 'Image type is not JPEG, PNG or WebP' },
  IMAGE_TOO_LARGE: { fault: 'client', retryable: false, message: 'Image dimensions exceed the pixel limit' },
  CORRUPT_IMAGE: { fault: 'client', retryable: false, message: 'Image could not be decoded' },
  IMAGE_TOO_COMPLEX: { fault: 'client', retryable: false, message: 'Image took too long to decode' },
  UNKNOWN_EXERCISE: { fault: 'client', retryable: false, message: 'Exercise is not in the library' },
  INVALID_LANDMARKS: { fault: 'client', retryable: false, message: 'Landmarks are malformed' },
  MODEL_NOT_READY: { fault: 'server', retryable: true, message: 'Models are still loading' },
  POSE_FAILED: { fault: 'server', retryable: true, message: 'Pose estimation failed for this frame' },
  SERVER_DRAINING: { fault: 'server', retryable: true, message: 'Server is shutting down; reconnect to another instance' },
  SESSION_LIMIT: { fault: 'server', retryable: true, message: 'Too many sessions on this instance' },
  SDP_INVALID: { fault: 'client', retryable: false, message: 'Offer SDP is malformed' },
  SDP_TOO_LARGE: { fault: 'client', retryable: false, message: 'Offer SDP exceeds the size limit' },
  SDP_TOO_MANY_MEDIA: { fault: 'client', retryable: false, message: 'Offer SDP has more m-lines than allowed' },
  NEGOTIATION_FAILED: { fault: 'server', retryable: true, message: 'The offer could not be answered' },
  NO_SUPPORTED_CODEC: { fault: 'client', retryable: false, message: 'Offer has no VP8 or H.264 video' },
  PEER_LIMIT: { fault: 'client', retryable: false, message: 'Too many peer connections on this socket' },
  ICE_TIMEOUT: { fault: 'client', retryable: true, message: 'ICE did not connect in time' },
  ICE_FAILED: { fault: 'client', retryable: true, message: 'The ICE connection failed or dropped' },
  DTLS_TIMEOUT: { fault: 'client', retryable: true, message: 'DTLS handshake did not complete in time' },
  FIRST_FRAME_TIMEOUT: { fault: 'client', retryable: true, message: 'No video frame arrived in time' },
  VIDEO_TOO_LARGE: { fault: 'client', retryable: false, message: 'The video is larger than allowed' },
  BITRATE_EXCEEDED: { fault: 'client', retryable: false, message: 'The video bitrate is over the limit' },
  MEDIA_TIMEOUT: { fault: 'client', retryable: true, message: 'The video stopped arriving' },
  DECODER_FAILED: { fault: 'server', retryable: true, message: 'The video decoder kept crashing' },
  RESUME_INVALID: { fault: 'client', retryable: false, message: 'Resume token is wrong or expired' },
  UNAUTHORIZED: { fault: 'client', retryable: false, message: 'Missing or invalid credentials' },
  INTERNAL: { fault: 'server', retryable: true, message: 'Internal server error' },
} as const satisfies Record<string, { fault: 'client' | 'server'; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

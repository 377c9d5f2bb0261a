/**
 * Stable codes for everything the media path can fail with. `clientFault` says whose fault it is (log
 * client faults at info, ours at error); `retryable` says whether the same client trying again can help.
 */
export const MEDIA_ERROR_CODES = {
  SDP_INVALID: { clientFault: true, retryable: false, description: 'The offer is not an SDP offer.' },
  SDP_TOO_LARGE: {
    clientFault: true,
    retryable: false,
    description: 'The offer exceeds the SDP size limit.',
  },
  SDP_TOO_MANY_MEDIA: {
    clientFault: true,
    retryable: false,
    description: 'The offer has more m-lines than allowed.',
  },
  NO_SUPPORTED_CODEC: {
    clientFault: true,
    retryable: false,
    description: 'The offer has no video m-line offering VP8 or H.264.',
  },
  NEGOTIATION_FAILED: {
    clientFault: false,
    retryable: true,
    description: 'The offer could not be answered.',
  },
  ICE_TIMEOUT: {
    clientFault: false,
    retryable: true,
    description: 'No ICE connection within the time limit.',
  },
  ICE_FAILED: { clientFault: false, retryable: true, description: 'The ICE connection failed or dropped.' },
  DTLS_TIMEOUT: {
    clientFault: false,
    retryable: true,
    description: 'No DTLS handshake within the time limit.',
  },
  FIRST_FRAME_TIMEOUT: {
    clientFault: false,
    retryable: true,
    description: 'Connected, but no video frame was decoded within the time limit.',
  },
  VIDEO_TOO_LARGE: { clientFault: true, retryable: false, description: 'A keyframe declared a frame larger than allowed.' },
  BITRATE_EXCEEDED: { clientFault: true, retryable: false, description: 'The video bitrate stayed over the limit.' },
  MEDIA_TIMEOUT: { clientFault: true, retryable: true, description: 'The video stopped arriving (the client went away).' },
  DECODER_FAILED: { clientFault: false, retryable: true, description: 'The video decoder kept crashing.' },
} as const satisfies Record<string, { clientFault: boolean; retryable: boolean; description: string }>;

export type MediaErrorCode = keyof typeof MEDIA_ERROR_CODES;

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  readonly clientFault: boolean;
  readonly retryable: boolean;

  constructor(
    code: MediaErrorCode,
    message: string = MEDIA_ERROR_CODES[code].description,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MediaError';
    this.code = code;
    this.clientFault = MEDIA_ERROR_CODES[code].clientFault;
    this.retryable = MEDIA_ERROR_CODES[code].retryable;
  }
}

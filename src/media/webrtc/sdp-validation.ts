import type { VideoCodec } from '../ffmpeg/stream-framing.ts';
import { MediaError } from './media-error.ts';

export interface OfferLimits {
  /** Largest accepted SDP, in bytes (UTF-8). */
  maxBytes: number;
  /** Most m-lines accepted. */
  maxMediaSections: number;
}

export const DEFAULT_OFFER_LIMITS: Readonly<OfferLimits> = Object.freeze({
  maxBytes: 64 * 1024,
  maxMediaSections: 8,
});

export interface ValidatedOffer {
  /** The video codecs we can decode that the offer lists, in the offer's preference order; empty for a data-channel-only offer (edge mode). */
  videoCodecs: VideoCodec[];
}

const SUPPORTED: Record<string, VideoCodec> = { VP8: 'vp8', H264: 'h264' };

/**
 * Cheap checks before the offer reaches werift: its SDP parser is not hardened against hostile input,
 * and an offer we cannot decode should fail fast with a code the client can act on.
 */
export function validateOffer(sdp: unknown, limits: OfferLimits = DEFAULT_OFFER_LIMITS): ValidatedOffer {
  if (typeof sdp !== 'string' || sdp.length === 0)
    throw new MediaError('SDP_INVALID', 'offer SDP must be a non-empty string');
  // Checked before any parsing so an oversized offer costs nothing.
  if (sdp.length > limits.maxBytes || Buffer.byteLength(sdp, 'utf8') > limits.maxBytes) {
    throw new MediaError('SDP_TOO_LARGE', `offer SDP exceeds ${limits.maxBytes} bytes`);
  }
  const lines = sdp.split(/\r?\n/).filter((line) => line !== '');
  if (lines[0] !== 'v=0') throw new MediaError('SDP_INVALID', 'offer SDP must start with v=0');
  if (!lines.every((line) => /^[a-z]=/.test(line))) {
    throw new MediaError('SDP_INVALID', 'offer SDP has a line that is not <type>=<value>');
  }

  const sections: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) {
      sections.push([line]);
      if (sections.length > limits.maxMediaSections) {
        throw new MediaError(
          'SDP_TOO_MANY_MEDIA',
          `offer SDP has more than ${limits.maxMediaSections} m-lines`,
        );
      }
    } else {
      sections.at(-1)?.push(line);
    }
  }
  if (sections.length === 0) throw new MediaError('SDP_INVALID', 'offer SDP has no m-line');

  const videoCodecs: VideoCodec[] = [];
  for (const [mLine, ...attributes] of sections) {
    // m=video <port> <proto> <fmt>...; port 0 is a rejected section.
    const fields = mLine!.split(' ');
    if (fields[0] !== 'm=video' || fields[1] === '0') continue;
    const payloadTypes = new Set(fields.slice(3));
    for (const attribute of attributes) {
      const rtpmap = /^a=rtpmap:(\d+) ([\w-]+)\/90000/.exec(attribute);
      if (!rtpmap || !payloadTypes.has(rtpmap[1]!)) continue;
      const codec = SUPPORTED[rtpmap[2]!.toUpperCase()];
      if (codec && !videoCodecs.includes(codec)) videoCodecs.push(codec);
    }
  }
  // Edge mode: a data channel alone (the browser runs pose and sends landmarks; no video leaves it).
  const hasVideo = sections.some(([mLine]) => mLine!.startsWith('m=video '));
  const dataOnly = !hasVideo && sections.some(([mLine]) => mLine!.startsWith('m=application ') && mLine!.includes('DTLS/SCTP'));
  if (videoCodecs.length === 0 && !dataOnly)
    throw new MediaError('NO_SUPPORTED_CODEC', 'offer has no video m-line with VP8 or H.264');
  return { videoCodecs };
}

import { describe, expect, it } from 'vitest';
import { MediaError } from '../../../src/media/webrtc/media-error.ts';
import { validateOffer } from '../../../src/media/webrtc/sdp-validation.ts';

function offer(videoCodecs: string[], extraSections = 0): string {
  const pts = videoCodecs.map((_, i) => 96 + i);
  const lines = [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `m=video 9 UDP/TLS/RTP/SAVPF ${pts.join(' ')}`,
    'c=IN IP4 0.0.0.0',
    ...videoCodecs.map((codec, i) => `a=rtpmap:${pts[i]} ${codec}/90000`),
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    ...Array.from({ length: extraSections }, () => 'm=audio 9 UDP/TLS/RTP/SAVPF 111'),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof MediaError ? error.code : 'NOT_A_MEDIA_ERROR';
  }
}

describe('offer validation', () => {
  it('accepts VP8 and H.264 offers and reports them in offer order', () => {
    expect(validateOffer(offer(['H264', 'VP8', 'rtx'])).videoCodecs).toEqual(['h264', 'vp8']);
    expect(validateOffer(offer(['VP9', 'VP8'])).videoCodecs).toEqual(['vp8']);
  });

  it('rejects offers without a decodable video codec', () => {
    expect(codeOf(() => validateOffer(offer(['VP9', 'AV1'])))).toBe('NO_SUPPORTED_CODEC');
    const rejectedVideo = offer(['VP8']).replace('m=video 9', 'm=video 0');
    expect(codeOf(() => validateOffer(rejectedVideo))).toBe('NO_SUPPORTED_CODEC');
    // An rtpmap for a payload type the m-line does not list does not count.
    const foreign = offer(['VP9']).replace(
      'a=rtpmap:96 VP9/90000',
      'a=rtpmap:96 VP9/90000\r\na=rtpmap:120 VP8/90000',
    );
    expect(codeOf(() => validateOffer(foreign))).toBe('NO_SUPPORTED_CODEC');
  });

  it('accepts a data-channel-only offer (edge mode) with no video codecs', () => {
    const dataOnly = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';
    expect(validateOffer(dataOnly).videoCodecs).toEqual([]);
    const audioOnly = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
    expect(codeOf(() => validateOffer(audioOnly))).toBe('NO_SUPPORTED_CODEC');
  });

  it('enforces the size and m-line limits before parsing', () => {
    const limits = { maxBytes: 1024, maxMediaSections: 3 };
    expect(codeOf(() => validateOffer(offer(['VP8']) + `a=x:${'y'.repeat(2000)}\r\n`, limits))).toBe(
      'SDP_TOO_LARGE',
    );
    expect(codeOf(() => validateOffer(offer(['VP8'], 2), limits))).toBe('SDP_TOO_MANY_MEDIA');
    expect(codeOf(() => validateOffer(offer(['VP8'], 1), limits))).toBeUndefined();
  });

  it('rejects things that are not SDP with SDP_INVALID', () => {
    expect(codeOf(() => validateOffer(undefined))).toBe('SDP_INVALID');
    expect(codeOf(() => validateOffer(''))).toBe('SDP_INVALID');
    expect(codeOf(() => validateOffer('hello'))).toBe('SDP_INVALID');
    expect(codeOf(() => validateOffer('v=0\r\ns=-\r\n'))).toBe('SDP_INVALID');
  });

  it('marks client faults as not retryable', () => {
    const error = new MediaError('SDP_TOO_LARGE');
    expect([error.clientFault, error.retryable]).toEqual([true, false]);
    expect(new MediaError('ICE_TIMEOUT').clientFault).toBe(false);
  });
});

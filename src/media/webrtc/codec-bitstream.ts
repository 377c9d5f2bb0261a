/**
 * Keyframe detection on depacketized frames. werift's own flags are not trusted: for H.264 it misses
 * an IDR carried inside a STAP-A (Chrome sends keyframes that way) and, for a single-NAL packet, reads
 * the second payload byte as if it were an FU header; for VP8 it only looks at the first packet.
 */

export const H264_NAL = {
  nonIdrSlice: 1,
  idrSlice: 5,
  sei: 6,
  sps: 7,
  pps: 8,
  accessUnitDelimiter: 9,
  stapA: 24,
  fuA: 28,
} as const;

/** A VP8 frame that starts at a partition head and is a keyframe (RFC 6386 §9.1 start code). */
export function isVp8Keyframe(frame: Buffer): boolean {
  return (
    frame.length >= 10 &&
    (frame[0]! & 0x01) === 0 &&
    frame[3] === 0x9d &&
    frame[4] === 0x01 &&
    frame[5] === 0x2a
  );
}

/** Offsets of the NAL unit headers (the byte after each 00 00 01 start code) in an Annex-B buffer. */
export function annexBNalOffsets(accessUnit: Buffer): number[] {
  const offsets: number[] = [];
  // Emulation prevention guarantees 00 00 01 never occurs inside a NAL unit, so a scan is exact.
  for (let i = 0; i + 2 < accessUnit.length; i++) {
    if (accessUnit[i] === 0 && accessUnit[i + 1] === 0 && accessUnit[i + 2] === 1) {
      offsets.push(i + 3);
      i += 2;
    }
  }
  return offsets;
}

/** nal_unit_type of every NAL unit in an Annex-B access unit, in order. */
export function h264NalTypes(accessUnit: Buffer): number[] {
  return annexBNalOffsets(accessUnit)
    .filter((offset) => offset < accessUnit.length)
    .map((offset) => accessUnit[offset]! & 0x1f);
}

/** An access unit containing an IDR slice. */
export function isH264Keyframe(accessUnit: Buffer): boolean {
  return h264NalTypes(accessUnit).includes(H264_NAL.idrSlice);
}

/**
 * NAL unit types carried by one H.264 RTP payload (RFC 6184): a single NAL unit, each unit of a
 * STAP-A, or the unit an FU-A fragment belongs to.
 */
export function h264PayloadNalTypes(payload: Buffer): number[] {
  if (payload.length === 0) return [];
  const type = payload[0]! & 0x1f;
  if (type === H264_NAL.stapA) {
    const types: number[] = [];
    let offset = 1;
    while (offset + 2 < payload.length) {
      const size = payload.readUInt16BE(offset);
      offset += 2;
      if (size === 0 || offset + size > payload.length) break;
      types.push(payload[offset]! & 0x1f);
      offset += size;
    }
    return types;
  }
  if (type === H264_NAL.fuA) return payload.length > 1 ? [payload[1]! & 0x1f] : [];
  return [type];
}

const START_CODE = Buffer.from([0, 0, 0, 1]);

/**
 * Remembers the newest SPS and PPS so that a keyframe sent without them (some encoders send them
 * once per session) can still start a freshly restarted decoder.
 */
export class H264ParameterSets {
  private sps: Buffer | undefined;
  private pps: Buffer | undefined;

  /** Records the access unit's parameter sets and returns it with the remembered ones prepended if it
   * is a keyframe that lacks them. */
  complete(accessUnit: Buffer): Buffer {
    const offsets = annexBNalOffsets(accessUnit);
    let hasSps = false;
    let hasPps = false;
    let hasIdr = false;
    offsets.forEach((offset, i) => {
      const type = accessUnit[offset]! & 0x1f;
      const next = offsets[i + 1];
      // The next unit's start code begins 3 or 4 bytes before its header.
      const end = next === undefined ? accessUnit.length : next - (accessUnit[next - 4] === 0 ? 4 : 3);
      if (type === H264_NAL.sps) {
        hasSps = true;
        this.sps = Buffer.from(accessUnit.subarray(offset, end));
      } else if (type === H264_NAL.pps) {
        hasPps = true;
        this.pps = Buffer.from(accessUnit.subarray(offset, end));
      } else if (type === H264_NAL.idrSlice) {
        hasIdr = true;
      }
    });
    if (!hasIdr || (hasSps && hasPps) || !this.sps || !this.pps) return accessUnit;
    const prefix: Buffer[] = [];
    if (!hasSps) prefix.push(START_CODE, this.sps);
    if (!hasPps) prefix.push(START_CODE, this.pps);
    return Buffer.concat([...prefix, accessUnit]);
  }
}

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

export interface FrameSize {
  width: number;
  height: number;
}

/** Width and height declared by a VP8 keyframe header (RFC 6386 §9.1; the top 2 bits are scaling). */
export function vp8KeyframeSize(frame: Buffer): FrameSize | null {
  if (!isVp8Keyframe(frame)) return null;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

/** Exp-Golomb reader over an RBSP (emulation-prevention bytes already removed). */
class BitReader {
  private bit = 0;
  constructor(private readonly data: Buffer) {}

  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.data[this.bit >> 3];
      if (byte === undefined) throw new RangeError('SPS truncated');
      v = (v << 1) | ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v >>> 0;
  }

  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new RangeError('bad exp-Golomb code');
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/**
 * Coded frame size from an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1), cropping
 * ignored (an upper bound is what the size check needs). Null when the SPS cannot be read.
 */
export function h264SpsSize(nal: Buffer): FrameSize | null {
  // Drop emulation-prevention bytes (00 00 03 → 00 00).
  const rbsp: number[] = [];
  for (let i = 1; i < nal.length; i++) {
    if (i >= 3 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    rbsp.push(nal[i]!);
  }
  try {
    const r = new BitReader(Buffer.from(rbsp));
    const profile = r.u(8);
    r.u(16); // constraint flags, level
    r.ue(); // seq_parameter_set_id
    if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
      const chroma = r.ue();
      if (chroma === 3) r.u(1);
      r.ue();
      r.ue();
      r.u(1);
      if (r.u(1)) for (let i = 0; i < (chroma === 3 ? 12 : 8); i++) if (r.u(1)) skipScalingList(r, i < 6 ? 16 : 64);
    }
    r.ue(); // log2_max_frame_num_minus4
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.u(1);
      r.se();
      r.se();
      const n = r.ue();
      if (n > 255) return null;
      for (let i = 0; i < n; i++) r.se();
    }
    r.ue(); // max_num_ref_frames
    r.u(1);
    const widthMbs = r.ue() + 1;
    const heightUnits = r.ue() + 1;
    const frameMbsOnly = r.u(1);
    return { width: widthMbs * 16, height: heightUnits * 16 * (2 - frameMbsOnly) };
  } catch {
    return null;
  }
}

/** The largest frame size declared by the SPS units of an Annex-B access unit, if it carries any. */
export function h264AccessUnitSize(accessUnit: Buffer): FrameSize | null {
  const offsets = annexBNalOffsets(accessUnit);
  let size: FrameSize | null = null;
  for (const [i, offset] of offsets.entries()) {
    if ((accessUnit[offset]! & 0x1f) !== H264_NAL.sps) continue;
    const end = i + 1 < offsets.length ? offsets[i + 1]! - 3 : accessUnit.length;
    const s = h264SpsSize(accessUnit.subarray(offset, end));
    if (s && (!size || s.width * s.height > size.width * size.height)) size = s;
  }
  return size;
}

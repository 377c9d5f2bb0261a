import { RtpHeader, RtpPacket } from 'werift';

/** A fake VP8 keyframe (RFC 6386 uncompressed header: start code, 640x360) followed by filler. */
export function vp8Keyframe(size = 40): Buffer {
  const frame = Buffer.alloc(size, 0x11);
  frame[0] = 0x10; // frame type 0 = key frame, show_frame set
  frame[1] = 0x02;
  frame[2] = 0x00;
  frame.set([0x9d, 0x01, 0x2a], 3);
  frame.writeUInt16LE(640, 6);
  frame.writeUInt16LE(360, 8);
  return frame;
}

export function vp8InterFrame(size = 20): Buffer {
  const frame = Buffer.alloc(size, 0x22);
  frame[0] = 0x11; // frame type 1 = inter frame
  return frame;
}

export function rtp(sequenceNumber: number, timestamp: number, payload: Buffer, marker: boolean): RtpPacket {
  return new RtpPacket(
    new RtpHeader({
      sequenceNumber: sequenceNumber & 0xffff,
      timestamp,
      payloadType: 96,
      ssrc: 1234,
      marker,
    }),
    payload,
  );
}

/** Splits a VP8 frame into RTP packets with the RFC 7741 descriptor (S bit on the first). */
export function vp8Packets(frame: Buffer, firstSeq: number, timestamp: number, chunk = 16): RtpPacket[] {
  const packets: RtpPacket[] = [];
  for (let offset = 0, i = 0; offset < frame.length; offset += chunk, i++) {
    const descriptor = Buffer.from([i === 0 ? 0x10 : 0x00]);
    const last = offset + chunk >= frame.length;
    packets.push(
      rtp(firstSeq + i, timestamp, Buffer.concat([descriptor, frame.subarray(offset, offset + chunk)]), last),
    );
  }
  return packets;
}

export const SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1f, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0x84]);
export const PPS = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
export const IDR = Buffer.from([0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0x12, 0x34]);
export const NON_IDR = Buffer.from([0x41, 0x9a, 0x02, 0x04, 0x05]);

/** RFC 6184 STAP-A carrying the given NAL units. */
export function stapA(...nalUnits: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x78])]; // F=0, NRI=3, type 24
  for (const nal of nalUnits) {
    const size = Buffer.alloc(2);
    size.writeUInt16BE(nal.length);
    parts.push(size, nal);
  }
  return Buffer.concat(parts);
}

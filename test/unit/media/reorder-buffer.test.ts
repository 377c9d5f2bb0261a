import { RtpHeader, RtpPacket } from 'werift';
import { JitterBufferCallback } from 'werift/nonstandard';
import { describe, expect, it } from 'vitest';
import { ReorderBuffer, type ReorderOutput } from '../../../src/media/webrtc/reorder-buffer.ts';

const render = (outputs: ReorderOutput<number>[]): string[] =>
  outputs.map((o) => (o.kind === 'lost' ? `lost ${o.from}-${o.to}` : String(o.sequenceNumber)));

describe('ReorderBuffer', () => {
  it('reorders within the wait and drops duplicates', () => {
    const buffer = new ReorderBuffer<number>({ latencyMs: 100 });
    const out = [
      ...buffer.push(10, 10, 0),
      ...buffer.push(12, 12, 1),
      ...buffer.push(11, 11, 2),
      ...buffer.push(11, 11, 3),
      ...buffer.push(13, 13, 4),
    ];
    expect(render(out)).toEqual(['10', '11', '12', '13']);
    expect(buffer.stats).toEqual({ late: 1, lost: 0, held: 0 });
  });

  it('gives up on a missing packet after the wait and releases everything behind it', () => {
    const buffer = new ReorderBuffer<number>({ latencyMs: 100 });
    const out: ReorderOutput<number>[] = [];
    for (let seq = 65533; seq < 65533 + 12; seq++) {
      if (seq === 65535) continue; // lost, right before the 16-bit wrap
      out.push(...buffer.push(seq & 0xffff, seq & 0xffff, (seq - 65533) * 20));
    }
    expect(render(out)).toEqual([
      '65533',
      '65534',
      'lost 65535-65535',
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
    ]);
    expect(buffer.push(65535, 65535, 300)).toEqual([]); // the retransmission came too late
    expect(buffer.stats).toMatchObject({ lost: 1, late: 1, held: 0 });
  });

  it('does not strand packets the way werift 0.24.4 JitterBufferCallback does', () => {
    // Documents why werift's jitter buffer is not used: after one lost packet (3) it also never
    // releases 5, 6 and 7. If this starts failing, werift fixed it and could be reconsidered.
    const jitter = new JitterBufferCallback(90_000, { latency: 100 });
    const released: number[] = [];
    jitter.pipe((output) => {
      if (output.rtp) released.push(output.rtp.header.sequenceNumber);
    });
    const ours = new ReorderBuffer<number>({ latencyMs: 100 });
    const oursReleased: number[] = [];
    for (let seq = 0; seq < 30; seq++) {
      if (seq === 3) continue;
      jitter.input({
        rtp: new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: seq * 3000 }), Buffer.from([1])),
      });
      for (const o of ours.push(seq, seq, seq * 33))
        if (o.kind === 'packet') oursReleased.push(o.sequenceNumber);
    }
    const expected = [...Array(30).keys()].filter((seq) => seq !== 3);
    expect(released).not.toEqual(expected);
    expect(released).not.toContain(5);
    expect(oursReleased).toEqual(expected);
  });
});

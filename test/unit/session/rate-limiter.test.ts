import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/session/rate-limiter.ts';

describe('TokenBucket', () => {
  it('lets a steady client through and refills over time', () => {
    let now = 0;
    const bucket = new TokenBucket(30, 30, () => now);
    for (let i = 0; i < 300; i++) {
      now += 1000 / 30;
      expect(bucket.take()).toBe('ok');
    }
  });

  it('limits a burst, then calls a sustained flood abusive', () => {
    let now = 0;
    const bucket = new TokenBucket(60, 120, () => now);
    const verdicts: string[] = [];
    for (let i = 0; i < 600; i++) {
      now += 5; // 200 messages/s
      verdicts.push(bucket.take());
    }
    expect(verdicts.slice(0, 120).every((v) => v === 'ok')).toBe(true);
    expect(verdicts).toContain('limited');
    expect(verdicts.at(-1)).toBe('abusive');
  });

  it('only throttles a client running a little over its rate', () => {
    let now = 0;
    const bucket = new TokenBucket(60, 120, () => now);
    const verdicts: string[] = [];
    for (let i = 0; i < 2000; i++) {
      now += 1000 / 90; // 1.5× the rate for 22 s
      verdicts.push(bucket.take());
    }
    expect(verdicts).toContain('limited');
    expect(verdicts).not.toContain('abusive');
  });
});

import { describe, expect, it } from 'vitest';
import { PipelinePolicy } from '../../../src/session/pipeline-policy.ts';

/** One frame processed alone in `ms`. */
function serve(policy: PipelinePolicy, ms: number): void {
  const run = policy.begin();
  run.serviceMs = ms;
  policy.end(run);
}

/** Feeds `frames` arrivals every `intervalMs`, each served alone in `serviceMs`. */
function feed(policy: PipelinePolicy, frames: number, intervalMs: number, serviceMs: number, startMs = 0): number {
  let t = startMs;
  for (let i = 0; i < frames; i++) {
    policy.arrived(t);
    serve(policy, serviceMs);
    t += intervalMs;
  }
  return t;
}

describe('pipeline policy (a second frame in flight only when one worker cannot keep up)', () => {
  it('keeps one frame in flight until a frame has been served and an interval seen', () => {
    const policy = new PipelinePolicy();
    expect(policy.allowsOverlap()).toBe(false);
    policy.arrived(0);
    expect(policy.allowsOverlap()).toBe(false);
    serve(policy, 100);
    expect(policy.allowsOverlap()).toBe(false);
    policy.arrived(10);
    expect(policy.allowsOverlap()).toBe(true);
  });

  it('does not pipeline a 30 fps stream that one worker serves in 20 ms, nor in 30 ms', () => {
    const policy = new PipelinePolicy();
    feed(policy, 60, 1000 / 30, 20);
    expect(policy.allowsOverlap()).toBe(false);
    feed(policy, 60, 1000 / 30, 30);
    expect(policy.allowsOverlap()).toBe(false);
  });

  it('pipelines a 60 fps stream, and a 30 fps stream whose frames take 40 ms', () => {
    const fast = new PipelinePolicy();
    feed(fast, 60, 1000 / 60, 20);
    expect(fast.allowsOverlap()).toBe(true);
    const slow = new PipelinePolicy();
    feed(slow, 60, 1000 / 30, 40);
    expect(slow.allowsOverlap()).toBe(true);
  });

  it('follows the stream: stops pipelining once frames come slower, and starts again when they speed up', () => {
    const policy = new PipelinePolicy();
    let t = feed(policy, 60, 1000 / 60, 20);
    expect(policy.allowsOverlap()).toBe(true);
    t = feed(policy, 60, 1000 / 15, 20, t);
    expect(policy.allowsOverlap()).toBe(false);
    feed(policy, 60, 1000 / 60, 20, t);
    expect(policy.allowsOverlap()).toBe(true);
  });

  it('counts only frames that ran alone: side-by-side frames slow each other and must not keep pipelining on', () => {
    const policy = new PipelinePolicy();
    const t = feed(policy, 60, 1000 / 30, 20);
    // Two frames in flight together, each slowed to 45 ms: neither counts.
    for (let i = 0; i < 30; i++) {
      policy.arrived(t + i * 33);
      const a = policy.begin();
      const b = policy.begin();
      a.serviceMs = 45;
      b.serviceMs = 45;
      policy.end(a);
      policy.end(b);
    }
    expect(policy.allowsOverlap()).toBe(false);
    // A frame that started alone but met a second one before its end does not count either.
    const first = policy.begin();
    const second = policy.begin();
    policy.end(second);
    first.serviceMs = 1000;
    policy.end(first);
    expect(policy.allowsOverlap()).toBe(false);
    serve(policy, 1000);
    expect(policy.allowsOverlap()).toBe(true);
  });

  it('forgets everything on reset', () => {
    const policy = new PipelinePolicy();
    feed(policy, 30, 10, 20);
    expect(policy.allowsOverlap()).toBe(true);
    policy.reset();
    expect(policy.allowsOverlap()).toBe(false);
  });
});

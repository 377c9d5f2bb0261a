/**
 * When one stream may put a second frame in flight (pipelining over idle pose workers).
 *
 * Pipelining lets one stream use every core, which it needs when frames arrive faster than one
 * worker analyses them (60 fps offered, a slower model or host). When one worker keeps up, a frame
 * sent to a second worker only because it arrived a little early costs more than it gains: it runs
 * beside the home worker's frame on the same cores, the second worker's tracking state for the stream
 * is stale (more person-detector runs), and one of the two results may arrive out of order and be
 * dropped. Measured in session 8 (one 30 fps stream, interleaved 20 s windows): overlapping whenever
 * a worker idled cost 25.6–27.6 ms of CPU per frame and p99 40.6–43.6 ms, one frame in flight
 * 24.2–24.8 ms and p99 33.8–36.2 ms; the throughput at 60 fps offered is the same either way
 * (docs/performance.md).
 *
 * So a second frame goes in flight only while a frame takes one worker longer than the interval
 * between the stream's frames (BUSY_SHARE), both running means over recent frames. Until a frame has
 * been served there is no service time, and one frame at a time is the rule. Only frames that ran
 * alone (no other frame of the stream in flight beside them at any time) count towards the service
 * time: frames side by side slow each other down on shared cores, and counting them let a first
 * version (overlap from 85 % of the interval) keep itself on during a slow moment of the host.
 */

/** One frame's pass through the session's pipeline. */
export interface PipelineRun {
  /** True while no other frame of the stream has been in flight beside it. */
  solo: boolean;
  /** From the start of its processing to its pose estimate (decode and the worker's queue included), ms. */
  serviceMs?: number;
}

export class PipelinePolicy {
  /** Overlap once a frame alone takes longer than the interval between frames: one worker cannot keep up. */
  static readonly BUSY_SHARE = 1;
  /** Weight of the newest sample in the running means (~ the last 10 frames). */
  static readonly SMOOTHING = 0.1;

  private intervalMs: number | null = null;
  private serviceMs: number | null = null;
  private lastArrivalMs: number | null = null;
  private readonly running = new Set<PipelineRun>();

  /** A frame of the stream arrived (one that will be analysed, not skipped). */
  arrived(nowMs: number): void {
    if (this.lastArrivalMs !== null) this.intervalMs = blend(this.intervalMs, nowMs - this.lastArrivalMs);
    this.lastArrivalMs = nowMs;
  }

  /** A frame of the stream starts processing; hand the run back to `end` when it is over. */
  begin(): PipelineRun {
    const run: PipelineRun = { solo: this.running.size === 0 };
    if (!run.solo) for (const other of this.running) other.solo = false;
    this.running.add(run);
    return run;
  }

  /** The run is over; its `serviceMs` (set once its pose estimate came back) counts if it ran alone. */
  end(run: PipelineRun): void {
    this.running.delete(run);
    if (run.solo && run.serviceMs !== undefined) this.serviceMs = blend(this.serviceMs, run.serviceMs);
  }

  /** Whether a frame may start while another of the stream is still in flight. */
  allowsOverlap(): boolean {
    if (this.serviceMs === null || this.intervalMs === null) return false;
    return this.serviceMs > this.intervalMs * PipelinePolicy.BUSY_SHARE;
  }

  /** Forgets the averages (runs in flight still end normally). */
  reset(): void {
    this.intervalMs = null;
    this.serviceMs = null;
    this.lastArrivalMs = null;
  }
}

function blend(mean: number | null, sample: number): number {
  return mean === null ? sample : mean + PipelinePolicy.SMOOTHING * (sample - mean);
}

/**
 * The media counters of every WebRTC call, live and ended, turned into counter increments at scrape
 * time. Each call's peer keeps its own monotonic counters (packets, NACK, PLI, ffmpeg restarts,
 * drops); this sums them so the process-wide counters never go backwards when a call ends.
 */

/** The fields of a peer's stats (WebRtcPeerStats satisfies it) that become counters. */
export const PEER_COUNTER_FIELDS = [
  'packetsReceived',
  'bytesReceived',
  'nackSent',
  'pliSent',
  'ffmpegRestarts',
  'framesDroppedAwaitingKeyframe',
  'framesDroppedBacklog',
  'framesDroppedByDecoder',
] as const;
export type PeerCounterField = (typeof PEER_COUNTER_FIELDS)[number];

export type PeerStatsLike = Readonly<Record<PeerCounterField, number>> & {
  readonly ffmpegPid: number | undefined;
};

const zeros = (): Record<PeerCounterField, number> =>
  Object.fromEntries(PEER_COUNTER_FIELDS.map((f) => [f, 0])) as Record<PeerCounterField, number>;

export class PeerStatsAggregator {
  private readonly live = new Set<() => PeerStatsLike>();
  /** Totals of calls that have ended. */
  private readonly retired = zeros();
  /** What each counter has already been incremented by. */
  private readonly reported = zeros();

  /** Starts counting a call; the returned function (idempotent) folds its final stats in. */
  track(source: () => PeerStatsLike): () => void {
    this.live.add(source);
    return () => {
      if (!this.live.delete(source)) return;
      const last = source();
      for (const field of PEER_COUNTER_FIELDS) this.retired[field] += last[field];
    };
  }

  /** How much `field` grew since the previous call for it (each field has one consumer: its counter). */
  delta(field: PeerCounterField): number {
    let total = this.retired[field];
    for (const source of this.live) total += source()[field];
    const grown = total - this.reported[field];
    this.reported[field] = total;
    return Math.max(0, grown);
  }

  /** Decoder children running now. */
  ffmpegProcesses(): number {
    let running = 0;
    for (const source of this.live) if (source().ffmpegPid !== undefined) running++;
    return running;
  }

  get liveCalls(): number {
    return this.live.size;
  }
}

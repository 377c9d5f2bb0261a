/**
 * Turns a stream of per-window class probabilities into a decision that does not flicker: the
 * seed's gating (a prediction counts only at ≥ 0.3; a label is adopted when 2 of the last 3
 * predictions give it > 0.6) plus what the seed lacked — an explicit idle state (the model's idle
 * class: resting, walking, setting up) and an unknown state (nobody in view, or nothing confident
 * for a while), in both of which no exercise label is given. Pure; one instance per session.
 */

export type GateState = 'unknown' | 'idle' | 'active';

export interface GateDecision {
  state: GateState;
  /** The exercise class when active, else null. */
  label: string | null;
  /** Smoothed probability of the label (0 when no label). */
  confidence: number;
}

export interface GateOptions {
  /** A prediction whose top class is below this is ignored (the seed's 0.3). */
  accept: number;
  /** A prediction supports its top class when above this (the seed's 0.6). */
  confirm: number;
  /** How many supporting predictions among the last `history` adopt a class (the seed's 2 of 3). */
  confirmCount: number;
  history: number;
  /** Consecutive decisions with the current label's smoothed probability under `accept` before it is dropped. */
  releaseAfter: number;
  /** Consecutive decisions without a window (nobody in view) before the state becomes unknown. */
  absentAfter: number;
  /** Weight of the newest prediction in the smoothed probabilities. */
  smoothing: number;
}

export const SEED_GATE: GateOptions = {
  accept: 0.3,
  confirm: 0.6,
  confirmCount: 2,
  history: 3,
  releaseAfter: 3,
  absentAfter: 3,
  smoothing: 0.5,
};

interface Vote {
  index: number;
  p: number;
}

export class RecognitionGate {
  private readonly opts: GateOptions;
  private readonly idle: Set<number>;
  private votes: (Vote | null)[] = [];
  private smoothed: Float64Array;
  private current: GateDecision = { state: 'unknown', label: null, confidence: 0 };
  private currentIndex = -1;
  private weak = 0;
  private absent = 0;

  constructor(
    private readonly classes: readonly string[],
    idleClasses: readonly string[] = [],
    opts: Partial<GateOptions> = {},
  ) {
    this.opts = { ...SEED_GATE, ...opts };
    this.idle = new Set(idleClasses.map((c) => classes.indexOf(c)).filter((i) => i >= 0));
    this.smoothed = new Float64Array(classes.length);
  }

  get decision(): GateDecision {
    return { ...this.current };
  }

  reset(): void {
    this.votes = [];
    this.smoothed = new Float64Array(this.classes.length);
    this.current = { state: 'unknown', label: null, confidence: 0 };
    this.currentIndex = -1;
    this.weak = 0;
    this.absent = 0;
  }

  /** One decision step: the model's probabilities, or null when there was no window to classify. */
  update(probs: ArrayLike<number> | null): GateDecision {
    if (probs === null) return this.noWindow();
    this.absent = 0;
    // A fresh start takes the first prediction as it is rather than blending it with zeros.
    const a = this.votes.every((v) => v === null) && this.currentIndex < 0 ? 1 : this.opts.smoothing;
    let top = 0;
    for (let c = 0; c < this.classes.length; c++) {
      const p = probs[c] ?? 0;
      this.smoothed[c] = (1 - a) * (this.smoothed[c] ?? 0) + a * p;
      if (p > (probs[top] ?? 0)) top = c;
    }
    const pTop = probs[top] ?? 0;
    this.push(pTop >= this.opts.accept ? { index: top, p: pTop } : null);

    const adopted = this.confirmed();
    if (adopted !== null && adopted !== this.currentIndex) this.enter(adopted);
    else if (this.currentIndex >= 0 && !this.idle.has(this.currentIndex)) {
      // Holding a label: keep it while its smoothed probability stays acceptable.
      const p = this.smoothed[this.currentIndex] ?? 0;
      this.weak = p < this.opts.accept ? this.weak + 1 : 0;
      if (this.weak >= this.opts.releaseAfter) this.enter(-1);
    }
    if (this.current.state === 'active') this.current.confidence = round3(this.smoothed[this.currentIndex] ?? 0);
    return this.decision;
  }

  private noWindow(): GateDecision {
    this.absent++;
    this.push(null);
    if (this.absent >= this.opts.absentAfter && this.current.state !== 'unknown') {
      this.enter(-1);
      this.smoothed.fill(0);
    }
    return this.decision;
  }

  private push(v: Vote | null): void {
    this.votes.push(v);
    if (this.votes.length > this.opts.history) this.votes.shift();
  }

  /**
   * The class that `confirmCount` of the recent votes back above `confirm` (the seed's rule) and
   * whose smoothed probability is above `confirm` too — without the second condition, two labels
   * alternating at 0.7 would switch on every decision.
   */
  private confirmed(): number | null {
    const counts = new Map<number, number>();
    for (const v of this.votes) if (v && v.p > this.opts.confirm) counts.set(v.index, (counts.get(v.index) ?? 0) + 1);
    let best: number | null = null;
    let bestCount = 0;
    for (const [index, n] of counts) {
      if (n >= this.opts.confirmCount && n > bestCount && (this.smoothed[index] ?? 0) > this.opts.confirm) {
        best = index;
        bestCount = n;
      }
    }
    return best;
  }

  private enter(index: number): void {
    this.currentIndex = index;
    this.weak = 0;
    if (index < 0) this.current = { state: 'unknown', label: null, confidence: 0 };
    else if (this.idle.has(index)) this.current = { state: 'idle', label: null, confidence: 0 };
    else this.current = { state: 'active', label: this.classes[index] ?? null, confidence: round3(this.smoothed[index] ?? 0) };
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

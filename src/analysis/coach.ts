/**
 * Picks the one line of feedback the user sees. Messages compete by priority; a shown
 * message stays up long enough to be read, and coaching tips respect a cooldown, so the
 * text does not flicker frame to frame or repeat the same advice every rep.
 */
export const PRIORITY = {
  cue: 0,
  tip: 1,
  rep: 2,
  fault: 3,
  setup: 4,
} as const;

export interface CoachMessage {
  text: string;
  priority: number;
}

interface Shown extends CoachMessage {
  until: number;
}

export class Coach {
  private shown: Shown | null = null;
  private pendingTip: { text: string; expires: number } | null = null;
  private lastTipT = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly cooldownS: number,
    private readonly displayS = 2,
  ) {}

  /** Queues a tip; it is shown when nothing more important is up and the cooldown allows, or dropped. */
  offerTip(t: number, text: string): void {
    if (t - this.lastTipT < this.cooldownS) return;
    this.pendingTip = { text, expires: t + 5 };
  }

  choose(t: number, candidates: readonly CoachMessage[]): string {
    let best: CoachMessage | null = null;
    for (const c of candidates) if (best === null || c.priority > best.priority) best = c;
    if (this.pendingTip && t > this.pendingTip.expires) this.pendingTip = null;
    if (this.pendingTip && (best === null || best.priority < PRIORITY.tip) && t - this.lastTipT >= this.cooldownS) {
      best = { text: this.pendingTip.text, priority: PRIORITY.tip };
    }
    const shown = this.shown;
    if (shown && t < shown.until && (best === null || shown.priority >= best.priority)) return shown.text;
    if (best === null) {
      this.shown = null;
      return '';
    }
    if (best.priority === PRIORITY.tip && this.pendingTip?.text === best.text) {
      this.pendingTip = null;
      this.lastTipT = t;
    }
    if (!shown || shown.text !== best.text || t >= shown.until) this.shown = { ...best, until: t + this.displayS };
    return best.text;
  }

  reset(): void {
    this.shown = null;
    this.pendingTip = null;
    this.lastTipT = Number.NEGATIVE_INFINITY;
  }
}

/** The seed's progressive coaching, from the form scores of the exercise's reps so far. */
export function coachingTip(exercise: string, scores: readonly number[]): string {
  if (scores.length < 5) return 'Focus on form over speed';
  const recent = scores.slice(-5);
  const avg = recent.reduce((a, b) => a + b, 0) / recent.length;
  if (avg < 60) return `Work on ${exercise} fundamentals`;
  if (avg < 80) return 'Good progress! Focus on consistency';
  return 'Excellent form! Try increasing reps';
}

import type { WorkoutPayload } from './protocol.ts';

/** The same phrase is never spoken again within this long. */
const PHRASE_COOLDOWN_MS = 12_000;
/** Feedback must stay the same this long before it is spoken (it flickers between frames). */
const FEEDBACK_SETTLE_MS = 800;

/**
 * Spoken coaching with the Web Speech API: rep counts and feedback changes. Mutable; never repeats a
 * phrase within the cooldown; a rep count interrupts a feedback line, never the other way round.
 */
export class VoiceCoach {
  private readonly lastSpoken = new Map<string, number>();
  private lastReps = 0;
  private pendingFeedback: { text: string; since: number } | undefined;
  private lastFeedback = '';

  constructor(private enabledFlag: boolean) {}

  get available(): boolean {
    return typeof speechSynthesis !== 'undefined' && typeof SpeechSynthesisUtterance !== 'undefined';
  }

  get enabled(): boolean {
    return this.enabledFlag;
  }

  set enabled(on: boolean) {
    this.enabledFlag = on;
    if (!on && this.available) speechSynthesis.cancel();
  }

  /** Forget counts (a reset or a new connection): the next rep is announced from its own number. */
  resetCounts(reps = 0): void {
    this.lastReps = reps;
    this.pendingFeedback = undefined;
    this.lastFeedback = '';
    this.lastSpoken.clear();
  }

  onWorkout(p: WorkoutPayload, now = performance.now()): void {
    if (p.reps > this.lastReps) this.say(p.reps === 1 ? 'One' : String(p.reps), true, now);
    this.lastReps = p.reps;
    const text = p.feedback.trim();
    if (text === '' || text === this.lastFeedback) {
      this.pendingFeedback = undefined;
      return;
    }
    if (this.pendingFeedback?.text !== text) {
      this.pendingFeedback = { text, since: now };
    } else if (now - this.pendingFeedback.since >= FEEDBACK_SETTLE_MS) {
      this.lastFeedback = text;
      this.pendingFeedback = undefined;
      this.say(text, false, now);
    }
  }

  private say(phrase: string, urgent: boolean, now: number): void {
    const key = phrase.toLowerCase();
    const last = this.lastSpoken.get(key);
    if (last !== undefined && now - last < PHRASE_COOLDOWN_MS) return;
    this.lastSpoken.set(key, now);
    if (!this.enabledFlag || !this.available) return;
    if (speechSynthesis.speaking) {
      if (!urgent) return;
      speechSynthesis.cancel();
    }
    const utterance = new SpeechSynthesisUtterance(phrase);
    utterance.rate = 1.05;
    speechSynthesis.speak(utterance);
  }
}

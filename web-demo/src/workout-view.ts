import { byId, setText } from './dom.ts';
import type { WorkoutPayload } from './protocol.ts';

function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** Names a colour for the indicator's accessible label (the colour alone tells nothing to a screen reader). */
function formWord(color: readonly [number, number, number]): string {
  const [r, g] = color;
  if (r === 128 && g === 128) return 'no data';
  if (g > 150 && r < 150) return 'good';
  if (r > 200 && g > 150) return 'fair';
  return 'needs work';
}

/** The live cards: the seed's ids (#exercise, #reps, #feedback, #confidence, #form-indicator) and ours. */
export class WorkoutView {
  private readonly exercise = byId('exercise', HTMLElement);
  private readonly reps = byId('reps', HTMLElement);
  private readonly feedback = byId('feedback', HTMLElement);
  private readonly confidence = byId('confidence', HTMLElement);
  private readonly indicator = byId('form-indicator', HTMLElement);
  private readonly formScore = byId('form-score', HTMLElement);
  private readonly phase = byId('phase', HTMLElement);
  private readonly sessionTime = byId('session-time', HTMLElement);
  private readonly frameCount = byId('frame-count', HTMLElement);
  private readonly tip = byId('coaching-tip', HTMLElement);

  render(w: WorkoutPayload): void {
    setText(this.exercise, w.exercise ?? 'Detecting...');
    setText(this.reps, String(w.reps));
    setText(this.feedback, w.feedback);
    setText(this.confidence, `${(w.confidence * 100).toFixed(1)}%`);
    const [r, g, b] = w.form_color;
    this.indicator.style.backgroundColor = `rgb(${r}, ${g}, ${b})`;
    const score = w.form_score !== undefined ? Math.round(w.form_score) : undefined;
    this.indicator.setAttribute(
      'aria-label',
      `Form: ${formWord(w.form_color)}${score !== undefined ? `, score ${score}` : ''}`,
    );
    setText(this.formScore, score !== undefined ? `Form ${score}` : 'Form –');
    const hold =
      w.hold_seconds !== undefined && w.hold_seconds > 0 ? ` · hold ${w.hold_seconds.toFixed(1)} s` : '';
    setText(this.phase, w.phase ? `${w.phase}${hold}` : hold.replace(' · ', '') || '\u00a0');
    setText(this.sessionTime, clock(w.session_time));
    setText(this.frameCount, String(w.frame_count));
    setText(this.tip, w.coaching_tip ?? '');
  }

  /** A reset or a new session: back to the seed's initial state. */
  clear(): void {
    setText(this.exercise, 'Detecting...');
    setText(this.reps, '0');
    setText(this.confidence, '0.0%');
    setText(this.sessionTime, '0:00');
    setText(this.frameCount, '0');
    setText(this.tip, '');
    this.indicator.style.backgroundColor = 'rgb(128, 128, 128)';
    this.indicator.setAttribute('aria-label', 'Form: no data');
    setText(this.formScore, 'Form –');
  }
}

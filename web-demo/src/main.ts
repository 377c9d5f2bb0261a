/**
 * The web demo's composition root: camera → connection (WebRTC, legacy frames or edge landmarks) →
 * server messages → the cards, the skeleton overlay, the voice coach and the summary view.
 */
import './styles.css';
import { closeCamera, openCamera } from './camera.ts';
import { Connection, MODES, type Mode } from './connection.ts';
import { byId, setText } from './dom.ts';
import { SkeletonOverlay } from './overlay.ts';
import type { ServerMessage, SystemPayload } from './protocol.ts';
import { RateMeter } from './stats.ts';
import { SummaryView } from './summary-view.ts';
import { VoiceCoach } from './voice-coach.ts';
import { WorkoutView } from './workout-view.ts';

const VOICE_KEY = 'workout-rtc.voice';

const video = byId('camera', HTMLVideoElement);
const status = byId('status', HTMLElement);
const modeSelect = byId('mode-select', HTMLSelectElement);
const exerciseSelect = byId('exercise-select', HTMLSelectElement);
const resetBtn = byId('reset-btn', HTMLButtonElement);
const summaryBtn = byId('summary-btn', HTMLButtonElement);
const voiceBtn = byId('voice-btn', HTMLButtonElement);
const dialog = byId('summary-dialog', HTMLDialogElement);
const stat = {
  mode: byId('stat-mode', HTMLElement),
  fps: byId('stat-fps', HTMLElement),
  latency: byId('stat-latency', HTMLElement),
  engine: byId('stat-engine', HTMLElement),
};

const view = new WorkoutView();
const overlay = new SkeletonOverlay(byId('overlay', HTMLCanvasElement), video);
const voice = new VoiceCoach(localStorage.getItem(VOICE_KEY) !== 'off');
const summary = new SummaryView(
  dialog,
  byId('summary-overview', HTMLElement),
  byId('summary-table', HTMLTableElement).tBodies[0] ?? byId('summary-table', HTMLTableElement).createTBody(),
  byId('rep-chart', HTMLCanvasElement),
  byId('rep-chart-empty', HTMLElement),
);
const rate = new RateMeter();
let latencyMs: number | undefined;
let serverEngine = '–';
let edgeEngine: string | undefined;
let connection: Connection | undefined;

function say(text: string, isError = false): void {
  setText(status, text);
  status.classList.toggle('error', isError);
}

function currentMode(): Mode {
  const value = modeSelect.value;
  return (MODES as readonly string[]).includes(value) ? (value as Mode) : 'auto';
}

function onSystem(p: SystemPayload): void {
  if (p.exercises && p.exercises.length > 0) fillExercises(p.exercises);
  if (p.backend) serverEngine = `server ${p.pose_model ?? 'blazepose'} · ${p.backend}`;
  if (p.status === 'draining') say(p.message, true);
}

function fillExercises(names: readonly string[]): void {
  const chosen = exerciseSelect.value;
  const have = [...exerciseSelect.options].map((o) => o.value);
  if (have.length === names.length + 1 && names.every((n, i) => have[i + 1] === n)) return;
  exerciseSelect.replaceChildren(new Option('Recognise automatically', 'auto'));
  for (const name of names) exerciseSelect.add(new Option(name.replaceAll('_', ' '), name));
  exerciseSelect.value = names.includes(chosen) ? chosen : 'auto';
}

function onMessage(msg: ServerMessage): void {
  switch (msg.type) {
    case 'workout': {
      const w = msg.payload;
      rate.tick();
      if (w.latency_ms !== undefined) latencyMs = w.latency_ms;
      view.render(w);
      overlay.render(w.landmarks, w.form_color);
      voice.onWorkout(w);
      return;
    }
    case 'system':
      onSystem(msg.payload);
      return;
    case 'error':
      say(`${msg.payload.message} (${msg.payload.code})`, true);
      return;
    case 'summary':
      summary.show(msg.payload);
      return;
  }
}

function sendExercise(): void {
  connection?.send({ type: 'set_exercise', payload: { exercise: exerciseSelect.value } });
}

function refreshStats(): void {
  setText(stat.fps, `${rate.rate().toFixed(1)} fps`);
  const rtt = connection?.roundTripMs;
  const edgeMs = connection?.edgeStats?.poseMs;
  const parts: string[] = [];
  if (latencyMs !== undefined) parts.push(`${Math.round(latencyMs)} ms`);
  if (rtt !== undefined) parts.push(`rtt ${Math.round(rtt)}`);
  if (edgeMs !== undefined) parts.push(`pose ${Math.round(edgeMs)}`);
  setText(stat.latency, parts.length > 0 ? parts.join(' · ') : '–');
  setText(stat.engine, currentMode() === 'edge' && edgeEngine ? edgeEngine : serverEngine);
}

function renderVoiceButton(): void {
  voiceBtn.setAttribute('aria-pressed', String(voice.enabled));
  voiceBtn.textContent = voice.enabled ? 'Voice on' : 'Voice off';
  if (!voice.available) {
    voiceBtn.disabled = true;
    voiceBtn.title = 'This browser has no speech synthesis';
  }
}

async function main(): Promise<void> {
  const fromUrl = new URLSearchParams(location.search).get('mode');
  if (fromUrl && (MODES as readonly string[]).includes(fromUrl)) modeSelect.value = fromUrl;
  renderVoiceButton();
  byId('controls', HTMLFormElement).addEventListener('submit', (e) => e.preventDefault());
  voiceBtn.addEventListener('click', () => {
    voice.enabled = !voice.enabled;
    localStorage.setItem(VOICE_KEY, voice.enabled ? 'on' : 'off');
    renderVoiceButton();
  });
  resetBtn.addEventListener('click', () => {
    connection?.send({ type: 'reset' });
    view.clear();
    overlay.clear();
    voice.resetCounts();
  });
  summaryBtn.addEventListener('click', () => {
    if (!connection?.send({ type: 'get_summary' })) say('Not connected: no summary to show.', true);
  });
  byId('summary-close', HTMLButtonElement).addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => summaryBtn.focus());
  exerciseSelect.addEventListener('change', sendExercise);
  setInterval(refreshStats, 500);

  let stream: MediaStream;
  try {
    stream = await openCamera(video);
  } catch (err) {
    say(`No camera: ${err instanceof Error ? err.message : String(err)}`, true);
    return;
  }
  window.addEventListener('pagehide', () => {
    void connection?.stop();
    closeCamera(stream);
  });

  connection = new Connection(video, stream, {
    onMessage,
    onStatus: say,
    onLink: (link) => {
      setText(stat.mode, link ? link.label : 'offline');
      overlay.geometry = link?.geometry ?? { kind: 'same' };
    },
    onSessionStart: () => {
      view.clear();
      overlay.clear();
      voice.resetCounts();
      rate.reset();
      latencyMs = undefined;
      if (exerciseSelect.value !== 'auto') sendExercise();
    },
    onEdgeEngine: (text) => {
      edgeEngine = `edge ${text}`;
      document.body.dataset.edgeEngine = text;
    },
  });
  modeSelect.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('mode', currentMode());
    history.replaceState(null, '', url);
    void connection?.start(currentMode());
  });
  await connection.start(currentMode());
}

void main();

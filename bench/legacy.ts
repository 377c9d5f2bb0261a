import WebSocket from 'ws';
import { summarize, round } from './stats.ts';

export interface LegacyResult {
  offeredFps: number;
  analyzedFps: number;
  latencyMs: { p50: number; p99: number };
  bytesPerFrame: number;
  framesSent: number;
  framesAnalyzed: number;
}

/** One legacy WebSocket client sending JPEG frames at `fps` for the frames given; latency as the server reports it (arrival → result leaving). */
export async function runLegacyClient(url: string, frames: string[], fps: number, durationS: number): Promise<LegacyResult> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/workout/`);
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const latencies: number[] = [];
  let analyzed = 0;
  let bytes = 0;
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString('utf8')) as { type: string; payload: { latency_ms?: number } };
    if (msg.type === 'workout') {
      analyzed++;
      if (msg.payload.latency_ms !== undefined) latencies.push(msg.payload.latency_ms);
    }
  });
  // Warm-up second, not measured.
  const total = Math.round(fps * durationS);
  const start = performance.now();
  let sent = 0;
  let measuredFrom = 0;
  let analyzedAtStart = 0;
  for (let i = 0; i < total + fps; i++) {
    if (i === fps) {
      measuredFrom = performance.now();
      analyzedAtStart = analyzed;
      latencies.length = 0;
    }
    const frame = frames[i % frames.length]!;
    const msg = JSON.stringify({ type: 'frame', payload: frame });
    if (i >= fps) {
      bytes += Buffer.byteLength(msg);
      sent++;
    }
    ws.send(msg);
    const due = start + ((i + 1) * 1000) / fps;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await new Promise((r) => setTimeout(r, 300));
  const elapsed = (performance.now() - measuredFrom) / 1000;
  ws.close();
  const framesAnalyzed = analyzed - analyzedAtStart;
  return {
    offeredFps: fps,
    analyzedFps: round(framesAnalyzed / elapsed),
    latencyMs: summarize(latencies),
    bytesPerFrame: Math.round(bytes / Math.max(1, sent)),
    framesSent: sent,
    framesAnalyzed,
  };
}

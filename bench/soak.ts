/**
 * Soak: streams on both transports with connect/disconnect churn for MINUTES, sampling the server's
 * RSS, heap, active handles and child processes. Usage: npm run bench -- --soak MINUTES [--json FILE]
 */
import { execSync } from 'node:child_process';
import type { ServerProcess } from './server-process.ts';
import { jpegDataUrls } from './frames.ts';
import { BenchStream } from './webrtc.ts';
import { round } from './stats.ts';
import WebSocket from 'ws';

export interface SoakSample {
  minute: number;
  rssMb: number;
  heapMb: number;
  handles: number;
  children: number;
  cycles: number;
}

function children(pid: number): number {
  try {
    return Number(execSync(`pgrep -c -P ${pid}`, { encoding: 'utf8' }).trim());
  } catch {
    return 0;
  }
}

async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function legacyClient(url: string, frames: string[], seconds: number): Promise<void> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/workout/`);
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    ws.send(JSON.stringify({ type: 'frame', payload: frames[i % frames.length] }));
    await new Promise((r) => setTimeout(r, 100));
  }
  // Half close politely, half vanish.
  if (Math.random() < 0.5) ws.close();
  else ws.terminate();
}

export async function runSoak(server: ServerProcess, minutes: number, clip: string | undefined): Promise<{ samples: SoakSample[]; rssGrowthPct: number; cycles: number; leakedChildren: number; handlesBaseline: number; handlesEnd: number }> {
  const { frames } = jpegDataUrls(5, 10);
  const handlesBaseline = await gauge(server.url, 'nodejs_active_handles_total');
  const samples: SoakSample[] = [];
  const started = performance.now();
  const endAt = started + minutes * 60_000;
  let cycles = 0;
  const sample = async (): Promise<void> => {
    samples.push({
      minute: round((performance.now() - started) / 60_000, 2),
      rssMb: round(server.rssMb()),
      heapMb: round((await gauge(server.url, 'nodejs_heap_size_used_bytes')) / 1024 / 1024),
      handles: await gauge(server.url, 'nodejs_active_handles_total'),
      children: children(server.pid),
      cycles,
    });
    const s = samples.at(-1)!;
    console.error(`  t=${s.minute} min rss ${s.rssMb} MB heap ${s.heapMb} MB handles ${s.handles} children ${s.children} cycles ${s.cycles}`);
  };
  const timer = setInterval(() => void sample(), 15_000);
  await sample();
  // Two lanes of churn: WebRTC calls of ~6 s and legacy sessions of ~6 s, back to back.
  const webrtcLane = async (): Promise<void> => {
    while (performance.now() < endAt) {
      const s = new BenchStream(server.url, { fps: 15, clip, startSeconds: 6.5 });
      try {
        await s.start();
        await new Promise((r) => setTimeout(r, 6000));
      } finally {
        await s.stop();
      }
      cycles++;
    }
  };
  const legacyLane = async (): Promise<void> => {
    while (performance.now() < endAt) {
      await legacyClient(server.url, frames, 6);
      cycles++;
    }
  };
  await Promise.all([webrtcLane(), legacyLane()]);
  clearInterval(timer);
  await new Promise((r) => setTimeout(r, 12_000));
  await sample();
  const warm = samples.find((s) => s.minute >= Math.min(2, minutes * 0.2)) ?? samples[0]!;
  const last = samples.at(-1)!;
  return {
    samples,
    rssGrowthPct: round(((last.rssMb - warm.rssMb) / warm.rssMb) * 100, 1),
    cycles,
    leakedChildren: last.children,
    handlesBaseline,
    handlesEnd: last.handles,
  };
}

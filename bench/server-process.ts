import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { SERVER_NODE_FLAGS } from '../src/node-flags.ts';

const REPO = resolve(import.meta.dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** CPU seconds (user + system) the server process has used so far, its worker threads included. */
  cpuSeconds: () => number;
  rssMb: () => number;
  /** RSS of the server's child processes (one ffmpeg decoder per WebRTC stream). */
  childrenRssMb: () => number;
  stop: () => Promise<void>;
}

/** Starts the real server (`src/main.ts`) as a child process and waits for /readyz. */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  // As `npm start` runs it; BENCH_NODE_ARGS replaces the V8 flags for A/B runs (e.g. BENCH_NODE_ARGS=' ' for V8's defaults).
  const nodeFlags = process.env.BENCH_NODE_ARGS !== undefined ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : SERVER_NODE_FLAGS;
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/main.ts'], {
    cwd: REPO,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('server did not become ready');
    await new Promise((r) => setTimeout(r, 250));
  }
  const pid = child.pid!;
  const ticks = Number(process.env.CLK_TCK ?? 100);
  return {
    url,
    pid,
    child,
    cpuSeconds: () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / ticks;
    },
    rssMb: () => rssOf(pid),
    childrenRssMb: () => {
      let total = 0;
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        let kids: string[] = [];
        try {
          kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
        } catch {
          // the thread ended meanwhile
        }
        for (const kid of kids) total += rssOf(Number(kid));
      }
      return total;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

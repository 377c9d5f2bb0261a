/**
 * Two server processes sharing one real Redis serve one socket.io namespace: an instance sees the
 * other's clients (fetchSockets) and its broadcasts reach them. Redis is Debian's redis-server,
 * started here on a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../../bench/server-process.ts';
import type { SystemPayload } from '../../../signaling/index.ts';
import type { App } from '../../../src/app.ts';
import { connectIo, sleep, type IoClient } from '../../helpers/clients.ts';
import { startServer } from '../../helpers/server.ts';

const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
if (!REDIS_SERVER)
  console.warn(
    '[skip] redis-server is not installed (Debian: apt-get install redis-server): the two-instance test is skipped',
  );

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(
    REDIS_SERVER!,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    proc.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, proc };
}

describe.skipIf(!REDIS_SERVER)('socket.io across instances through Redis', () => {
  let redis: { url: string; proc: ChildProcess };
  let local: App;
  let remote: ServerProcess;
  let client: IoClient;

  beforeAll(async () => {
    redis = await startRedis();
    // One instance in this process (to call its socket.io server), the other a real server process.
    [local, remote] = await Promise.all([
      startServer({ redisUrl: redis.url }),
      startServerProcess({ REDIS_URL: redis.url, POSE_WORKERS: '1' }),
    ]);
    client = await connectIo(remote.url);
    await client.log.waitFor((m) => m.type === 'system');
  });
  afterAll(async () => {
    client?.socket.disconnect();
    await Promise.allSettled([local?.close(), remote?.stop()]);
    redis?.proc.kill('SIGTERM');
  });

  it('one instance sees the clients of the other and reaches them', async () => {
    // Both instances subscribe to the namespace's channels (the adapter goes in once Redis answers).
    const serverCount = (): Promise<number> => local.socketIo.io.of('/').adapter.serverCount();
    for (let i = 0; i < 50 && (await serverCount()) < 2; i++) await sleep(100);
    expect(await serverCount()).toBe(2);

    const sockets = await local.socketIo.io.fetchSockets();
    expect(sockets.map((s) => s.id)).toContain(client.socket.id);

    const greeting = client.log.of('system')[0]!.payload;
    const notice: SystemPayload = { ...greeting, message: 'broadcast from the other instance' };
    const from = client.log.messages.length;
    local.socketIo.io.emit('system', notice);
    const received = await client.log.waitFor((m) => m.type === 'system', 5000, from);
    expect(received.type === 'system' && received.payload.message).toBe('broadcast from the other instance');

    // And targeted: a room is the socket id, whichever pod holds it.
    const from2 = client.log.messages.length;
    local.socketIo.io.to(client.socket.id!).emit('system', { ...notice, message: 'to you' });
    const direct = await client.log.waitFor((m) => m.type === 'system', 5000, from2);
    expect(direct.type === 'system' && direct.payload.message).toBe('to you');
  });

  it('keeps serving sessions when Redis goes away', async () => {
    redis.proc.kill('SIGTERM');
    await sleep(300);
    const other = await connectIo(local.url);
    const system = await other.log.waitFor((m) => m.type === 'system');
    expect(system.type === 'system' && system.payload.status).toBe('initialized');
    other.socket.disconnect();
  });
});

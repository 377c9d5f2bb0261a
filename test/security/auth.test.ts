import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { startServer } from '../helpers/server.ts';
import { recordCase } from './cases.ts';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';

async function hs256(claims: Record<string, unknown>, opts: { exp?: string | number; nbf?: string | number; aud?: string; secret?: string } = {}): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setAudience(opts.aud ?? 'workout-rtc').setExpirationTime(opts.exp ?? '5m');
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

/** Opens /ws/workout/ and reports the HTTP status of a refused upgrade, or 101 when it opened. */
function wsStatus(url: string, token?: string, origin?: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/workout/${token ? `?token=${token}` : ''}`, origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

/** Connects socket.io; resolves 'connected' or the refusal's code/reason. */
function ioResult(url: string, token?: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: token ? { token } : {} });
    socket.on('connect', () => {
      socket.disconnect();
      resolve('connected');
    });
    socket.on('connect_error', (err: Error & { data?: { code?: string; reason?: string } }) => {
      socket.disconnect();
      resolve(`${err.data?.code}:${err.data?.reason}`);
    });
  });
}

describe('authentication (HS256) and origin allowlist', () => {
  let app: App;
  beforeAll(async () => {
    app = await startServer({ authMode: 'hs256', authSecret: SECRET, allowedOrigins: ['https://coach.example'], poseWorkers: 1 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['no token', () => Promise.resolve(undefined), 401, 'UNAUTHORIZED:missing_token'],
    ['a forged signature', async () => hs256({ sub: 'u1' }, { secret: 'another-secret-that-is-long-enough-for-this' }), 401, 'UNAUTHORIZED:invalid_token'],
    ['garbage', () => Promise.resolve('not.a.jwt'), 401, 'UNAUTHORIZED:invalid_token'],
    ['an expired token', async () => hs256({ sub: 'u1' }, { exp: Math.floor(Date.now() / 1000) - 60 }), 401, 'UNAUTHORIZED:expired_token'],
    ['a token not valid yet', async () => hs256({ sub: 'u1' }, { nbf: Math.floor(Date.now() / 1000) + 3600 }), 401, 'UNAUTHORIZED:wrong_claim'],
    ['the wrong audience', async () => hs256({ sub: 'u1' }, { aud: 'someone-else' }), 401, 'UNAUTHORIZED:wrong_claim'],
  ])('refuses %s on both transports', async (name, token, wsCode, ioCode) => {
    const t = await token();
    const ws = await wsStatus(app.url, t);
    const sio = await ioResult(app.url, t);
    recordCase(`auth: ${name}`, ws === wsCode && sio === ioCode);
    expect(ws).toBe(wsCode);
    expect(sio).toBe(ioCode);
  });

  it('accepts a valid token on both transports; refuses a foreign origin', async () => {
    const token = await hs256({ sub: 'u1' });
    expect(await wsStatus(app.url, token)).toBe(101);
    expect(await ioResult(app.url, token)).toBe('connected');
    expect(await wsStatus(app.url, token, 'https://coach.example')).toBe(101);
    const foreign = await wsStatus(app.url, token, 'https://evil.example');
    recordCase('auth: foreign origin', foreign === 403);
    expect(foreign).toBe(403);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    for (const reason of ['missing_token', 'invalid_token', 'expired_token', 'wrong_claim', 'origin']) {
      expect(metrics).toMatch(new RegExp(`workout_auth_rejections_total\\{reason="${reason}"\\} [1-9]`));
    }
  });
});

describe('authentication (RS256: PEM key and JWKS)', () => {
  it('verifies RS256 tokens against a public key and against a JWKS', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'u2' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setAudience('workout-rtc').setExpirationTime('5m').sign(privateKey);
    const other = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'u2' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setAudience('workout-rtc').setExpirationTime('5m').sign(other.privateKey);

    const pem = await startServer({ authMode: 'rs256', authPublicKey: await exportSPKI(publicKey), poseWorkers: 1 });
    try {
      expect(await ioResult(pem.url, token)).toBe('connected');
      expect(await ioResult(pem.url, forged)).toBe('UNAUTHORIZED:invalid_token');
    } finally {
      await pem.close();
    }
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
    const viaJwks = await startServer({ authMode: 'rs256', authJwks: jwks, poseWorkers: 1 });
    try {
      expect(await wsStatus(viaJwks.url, token)).toBe(101);
      const refused = await wsStatus(viaJwks.url, forged);
      recordCase('auth: RS256 forged signature', refused === 401);
      expect(refused).toBe(401);
    } finally {
      await viaJwks.close();
    }
  });
});

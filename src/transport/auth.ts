import type { IncomingMessage } from 'node:http';
import { createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** Why a connection was refused; the only values of the rejections metric's `reason` label. */
export const AUTH_REJECT_REASONS = ['missing_token', 'invalid_token', 'expired_token', 'wrong_claim', 'origin'] as const;
export type AuthRejectReason = (typeof AUTH_REJECT_REASONS)[number];

export interface AuthOptions {
  mode: 'off' | 'hs256' | 'rs256';
  /** HS256 shared secret. */
  secret: string;
  /** RS256: a PEM public key (SPKI) … */
  publicKey: string;
  /** … or a JWKS, as a URL of the identity provider or inline JSON. */
  jwks: string;
  issuer: string;
  audience: string;
  /** Allowed browser origins; empty = any. */
  allowedOrigins: readonly string[];
}

export type AuthResult = { ok: true; claims: JWTPayload | null } | { ok: false; reason: AuthRejectReason; message: string };

/**
 * Checks signed tokens (JWT, HS256 or RS256/JWKS) and browser origins for every transport, before a
 * session or a peer connection exists. Off by default for local use; the k8s overlays turn it on.
 * Expiry and not-before are enforced by the verifier; the audience (and issuer, when set) too; a
 * `sid` claim pins the token to one session (checked on resume).
 */
export class Authenticator {
  private key: Promise<Uint8Array | CryptoKey | JWTVerifyGetKey> | null = null;

  constructor(private readonly options: AuthOptions) {
    if (options.mode === 'hs256' && options.secret.length < 32) {
      throw new Error('AUTH_SECRET must be at least 32 characters for HS256');
    }
    if (options.mode === 'rs256' && !options.publicKey && !options.jwks) {
      throw new Error('AUTH_MODE=rs256 needs AUTH_PUBLIC_KEY or AUTH_JWKS');
    }
  }

  get enabled(): boolean {
    return this.options.mode !== 'off';
  }

  private verificationKey(): Promise<Uint8Array | CryptoKey | JWTVerifyGetKey> {
    this.key ??= (async () => {
      const { mode, secret, publicKey, jwks } = this.options;
      if (mode === 'hs256') return new TextEncoder().encode(secret);
      if (publicKey) return importSPKI(publicKey, 'RS256');
      if (jwks.trim().startsWith('{')) return createLocalJWKSet(JSON.parse(jwks) as Parameters<typeof createLocalJWKSet>[0]);
      return createRemoteJWKSet(new URL(jwks));
    })();
    return this.key;
  }

  /** Origin allowlist (browsers send Origin; non-browser clients usually do not, and are judged by token alone). */
  checkOrigin(origin: string | undefined): boolean {
    const allowed = this.options.allowedOrigins;
    return allowed.length === 0 || origin === undefined || allowed.includes(origin);
  }

  async verify(token: string | undefined, origin: string | undefined): Promise<AuthResult> {
    if (!this.checkOrigin(origin)) return { ok: false, reason: 'origin', message: 'origin not allowed' };
    if (!this.enabled) return { ok: true, claims: null };
    if (!token) return { ok: false, reason: 'missing_token', message: 'a token is required' };
    try {
      const key = await this.verificationKey();
      const verifyOptions = {
        algorithms: [this.options.mode === 'hs256' ? 'HS256' : 'RS256'],
        audience: this.options.audience,
        ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
      };
      const { payload } =
        typeof key === 'function' ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions);
      return { ok: true, claims: payload };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'ERR_JWT_EXPIRED') return { ok: false, reason: 'expired_token', message: 'token expired' };
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return { ok: false, reason: 'wrong_claim', message: (err as Error).message };
      return { ok: false, reason: 'invalid_token', message: 'token is not valid' };
    }
  }

  /** Token from `Authorization: Bearer …`, else the `token` query parameter (browsers cannot set WebSocket headers). */
  static tokenFromRequest(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) return header.slice(7).trim();
    const url = new URL(req.url ?? '/', 'http://localhost');
    return url.searchParams.get('token') ?? undefined;
  }
}

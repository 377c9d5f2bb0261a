/**
 * Resume tokens: 128 random bits, given to the client once (base64url) and stored only as a SHA-256
 * hash, so a leaked database row cannot be replayed. Random rather than HMAC-signed: the store has to
 * be consulted anyway (expiry, the snapshot, one claim at a time), and no pod needs a shared secret.
 */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 16;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function newResumeToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Comparing hashes in the database leaks nothing useful: an attacker controls no bits of a SHA-256 digest. */
export function hashResumeToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Rejects what cannot be a token before it costs a database round trip. */
export function isWellFormedResumeToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Tally of the bad-input suite. Each case records its outcome to a file shared by the test
 * workers; the global teardown (test/global-setup.ts) prints how many were tried and passed.
 */
export const CASES_FILE = resolve(import.meta.dirname, '..', '..', '.cache', 'security-cases.jsonl');

export function recordCase(name: string, passed: boolean): void {
  mkdirSync(dirname(CASES_FILE), { recursive: true });
  appendFileSync(CASES_FILE, `${JSON.stringify({ name, passed })}\n`);
}

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { CASES_FILE } from './security/cases.ts';

export function setup(): void {
  rmSync(CASES_FILE, { force: true });
}

/** Prints the bad-input suite's tally: how many cases it tried and how many passed. */
export function teardown(): void {
  if (!existsSync(CASES_FILE)) return;
  const cases = readFileSync(CASES_FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { name: string; passed: boolean });
  const failed = cases.filter((c) => !c.passed).map((c) => c.name);
  console.log(`\n[security] bad-input suite: ${cases.length} cases tried, ${cases.length - failed.length} passed${failed.length ? `; failed: ${failed.join('; ')}` : ''}`);
}

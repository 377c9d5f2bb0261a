import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingServerNodeFlags, SERVER_NODE_FLAGS } from '../../../src/node-flags.ts';

const REPO = resolve(import.meta.dirname, '../../..');

/** The node arguments before `--import tsx src/main.ts` in a command line. */
function flagsBeforeEntry(args: readonly string[]): string[] {
  const at = args.findIndex((a, i) => a === '--import' && args[i + 1] === 'tsx' && args[i + 2] === 'src/main.ts');
  expect(at, `no "--import tsx src/main.ts" in ${args.join(' ')}`).toBeGreaterThan(0);
  expect(args[0]).toBe('node');
  return args.slice(1, at);
}

describe('the server is started with the V8 flags of src/node-flags.ts', () => {
  it('by npm start', () => {
    const pkg = JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const command = pkg.scripts.start!.split('&&').map((part) => part.trim()).at(-1)!;
    expect(flagsBeforeEntry(command.split(/\s+/))).toEqual(SERVER_NODE_FLAGS);
  });

  it.each(['Dockerfile', 'Dockerfile.gpu'])('by the %s image', (file) => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(resolve(REPO, file), 'utf8'));
    expect(cmd, `${file} has no exec-form CMD`).not.toBeNull();
    expect(flagsBeforeEntry(JSON.parse(cmd![1]!) as string[])).toEqual(SERVER_NODE_FLAGS);
  });

  it('and reports the ones a process lacks', () => {
    expect(missingServerNodeFlags([...SERVER_NODE_FLAGS, '--import', 'tsx'])).toEqual([]);
    expect(missingServerNodeFlags(['--import', 'tsx'])).toEqual(SERVER_NODE_FLAGS);
    expect(missingServerNodeFlags(['--single-threaded-gc'])).toEqual(['--max-semi-space-size=32']);
  });
});

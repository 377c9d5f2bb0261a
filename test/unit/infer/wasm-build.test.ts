/**
 * The committed wasm modules (src/infer/wasm/*-wasm.ts, base64) are exactly what
 * `npm run build:wasm` assembles from their .wat sources: an edited kernel cannot ship stale.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWasmModule, wasmSources } from '../../../scripts/build-wasm.ts';

describe('wasm kernels', () => {
  const sources = wasmSources();

  it('has the roi-crop kernel', () => {
    expect(sources.map((s) => basename(s.wat))).toContain('roi-crop.wat');
  });

  for (const { wat, module } of sources) {
    it(`${basename(module)} is built from the current ${basename(wat)} (run npm run build:wasm)`, async () => {
      expect(readFileSync(module, 'utf8')).toBe(await buildWasmModule(wat));
    });
  }
});

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

export type BackendPreference = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
/** What actually runs: the native bindings report 'tensorflow' for both CPU and GPU builds. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

const require = createRequire(import.meta.url);

async function tryNative(pkg: string): Promise<boolean> {
  try {
    // Optional dependencies: absent where their install script could not fetch libtensorflow.
    await import(pkg);
    return tf.findBackend('tensorflow') !== undefined;
  } catch {
    return false;
  }
}

async function useWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(join(dist, '/'));
    // One wasm thread per worker: workers scale across cores, wasm threads do not under Node.
    wasm.setThreadsCount(1);
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/**
 * Picks the fastest backend that loads, in the order tfjs-node-gpu > tfjs-node > wasm > cpu,
 * or exactly the preferred one. Throws when a preferred backend cannot load.
 */
export async function selectBackend(preference: BackendPreference): Promise<BackendName> {
  const order: BackendName[] = preference === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [preference];
  for (const name of order) {
    let ok = false;
    if (name === 'tensorflow-gpu') ok = await tryNative('@tensorflow/tfjs-node-gpu');
    else if (name === 'tensorflow') ok = await tryNative('@tensorflow/tfjs-node');
    else if (name === 'wasm') ok = await useWasm();
    else {
      await import('@tensorflow/tfjs-backend-cpu');
      ok = await tf.setBackend('cpu');
    }
    if (ok && (name === 'tensorflow-gpu' || name === 'tensorflow')) ok = await tf.setBackend('tensorflow');
    if (ok) {
      await tf.ready();
      return name;
    }
  }
  throw new Error(`tfjs backend "${preference}" is not available`);
}

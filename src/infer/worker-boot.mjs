// Worker bootstrap: registers tsx for TypeScript entries (Node 20 cannot load a .ts worker by itself),
// then imports the real entry named in workerData.
import { workerData } from 'node:worker_threads';

if (String(workerData.entry).endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);

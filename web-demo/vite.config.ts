/**
 * Builds the web demo into web-demo/dist, which the server serves at `/`.
 * `npm run build:web` (run by `npm start`); `npx vite --config web-demo/vite.config.ts` for a dev
 * server that proxies the server's endpoints from a running `npm start` on :8080.
 */
import { defineConfig } from 'vite';

const here = new URL('.', import.meta.url).pathname;
const server = process.env.WORKOUT_SERVER ?? 'http://localhost:8080';

export default defineConfig({
  root: here,
  base: '/',
  resolve: {
    // pose-detection's ESM build imports @mediapipe/pose for its 'mediapipe' runtime, a Closure
    // script that does not bundle; edge mode uses the 'tfjs' runtime only, so it gets a stub.
    alias: { '@mediapipe/pose': `${here}src/edge/mediapipe-pose-absent.ts` },
  },
  build: {
    outDir: `${here}dist`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // tfjs and pose-detection are one lazy chunk, loaded only in edge mode.
    chunkSizeWarningLimit: 4096,
  },
  server: {
    proxy: {
      '/socket.io': { target: server, ws: true },
      '/ws/workout': { target: server, ws: true },
      '/pose-models': server,
    },
  },
});

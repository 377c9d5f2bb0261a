import type { ClientMessage } from '../protocol.ts';
import { parseServerMessage } from '../protocol.ts';
import { LinkError, withTimeout, type Link, type LinkHandlers } from './link.ts';

/** The original service's endpoint: a plain WebSocket at /ws/workout/ with `{type, payload}` JSON envelopes. */
export class WebSocketLink implements Link {
  readonly kind = 'legacy-ws' as const;
  readonly carriesVideo = false;
  private closed = false;

  private constructor(
    private readonly ws: WebSocket,
    handlers: LinkHandlers,
  ) {
    ws.onmessage = (e: MessageEvent<unknown>) => {
      const msg = typeof e.data === 'string' ? parseServerMessage(e.data) : undefined;
      if (msg) handlers.onMessage(msg);
    };
    ws.onclose = (e) => {
      if (!this.closed) handlers.onDropped(`WebSocket closed (${e.code})`);
    };
  }

  static async open(handlers: LinkHandlers, timeoutMs = 8000): Promise<WebSocketLink> {
    const url = new URL('/ws/workout/', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          ws.onopen = () => resolve();
          ws.onerror = () => reject(new LinkError('WS_FAILED', 'WebSocket connection failed'));
        }),
        timeoutMs,
        'WS_TIMEOUT',
        'WebSocket connection',
      );
    } catch (err) {
      ws.close();
      throw err;
    }
    return new WebSocketLink(ws, handlers);
  }

  send(msg: ClientMessage): boolean {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.ws.close(1000);
    }
    return Promise.resolve();
  }
}

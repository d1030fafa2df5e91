import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface Inbound {
  /** Requests from Slack being read or answered right now. */
  open(): number;
  /** When a request last arrived or was answered (ms since the epoch). */
  lastActivity(): number;
}

export const noInbound: Inbound = { open: () => 0, lastActivity: () => 0 };

/**
 * Watches the requests from Slack on a server: a connection counts from its accept, or a kept-alive connection from
 * its next request, until the response is sent or the connection closes.
 */
export function trackInbound(server: Server): Inbound {
  let open = 0;
  let last = 0;
  const waiting = new WeakSet<Socket>();
  const begin = (socket: Socket) => {
    last = Date.now();
    if (waiting.has(socket)) return;
    waiting.add(socket);
    open++;
  };
  const end = (socket: Socket) => {
    last = Date.now();
    if (waiting.delete(socket)) open--;
  };
  server.on('connection', (socket: Socket) => {
    begin(socket);
    socket.once('close', () => end(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    begin(req.socket);
    res.once('finish', () => end(req.socket));
    res.once('close', () => end(req.socket));
  });
  return { open: () => open, lastActivity: () => last };
}

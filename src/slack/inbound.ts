import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How many requests from Slack are being read or answered right now: a connection counts from its accept, or a
 * kept-alive connection from its next request, until the response is sent or the connection closes.
 */
export function trackInbound(server: Server): () => number {
  let open = 0;
  const waiting = new WeakSet<Socket>();
  const begin = (socket: Socket) => {
    if (waiting.has(socket)) return;
    waiting.add(socket);
    open++;
  };
  const end = (socket: Socket) => {
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
  return () => open;
}

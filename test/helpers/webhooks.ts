import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** A POST a receiver took in: its headers, its body as sent, and parsed. */
export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

/** How a receiver answers the delivery numbered `n` (1 for the first). */
export type Answerer = (delivery: Delivery, n: number) => { status: number; body?: string; headers?: Record<string, string> } | Promise<{ status: number; body?: string; headers?: Record<string, string> }>;

/** A webhook receiver on loopback: what it took in, and how it answers. Closed after each test. */
export interface Receiver {
  url: string;
  deliveries: Delivery[];
}

/** Receivers started by a test, closed after it. */
export function useReceivers() {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (server) =>
          new Promise((resolve) => {
            server.close(resolve);
            server.closeAllConnections();
          }),
      ),
    );
  });
  return async function receiver(answer: Answerer = () => ({ status: 200 })): Promise<Receiver> {
    const deliveries: Delivery[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const delivery = { path: request.url ?? '/', headers: request.headers, body, json: body ? JSON.parse(body) : undefined };
        deliveries.push(delivery);
        const answered = await answer(delivery, deliveries.length);
        response.writeHead(answered.status, answered.headers);
        response.end(answered.body ?? '');
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, deliveries };
  };
}

import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signature } from '../webhooks/webhook-sender';

export interface Delivery {
  headers: IncomingMessage['headers'];
  body: string;
  event: any;
  validSignature: boolean;
  /** What the receiver answered. */
  status: number;
}

/**
 * A merchant's webhook endpoint for tests: a real local HTTP server that checks each Standard Webhooks
 * signature and records every delivery; `answer` decides the status (e.g. 500 to make the sender retry).
 */
export async function startWebhookReceiver(secret: string, answer: (delivery: Omit<Delivery, 'status'>) => number = () => 204) {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const [id, timestamp] = [String(req.headers['webhook-id']), Number(req.headers['webhook-timestamp'])];
      const delivery = { headers: req.headers, body, event: JSON.parse(body), validSignature: req.headers['webhook-signature'] === signature(secret, id, timestamp, body) };
      const status = answer(delivery);
      deliveries.push({ ...delivery, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

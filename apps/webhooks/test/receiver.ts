import { createServer, IncomingHttpHeaders, Server } from 'node:http';

/** One request a partner's endpoint received, as it arrived. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  body: any;
  /** What the endpoint answered. */
  status: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A partner's endpoint on 127.0.0.1: it records every request and answers what `answer` says for it
 * (200 by default). It can start on a port chosen before (so a subscription can point at an endpoint
 * that is not up yet) and stop.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  answer: (request: { path: string; body: any; count: number }) => Answer = () => ({ status: 200, body: 'ok' });
  private server?: Server;

  constructor(readonly port: number) {}

  /** A receiver on a free port, not started: its endpoint is down until `start()`. */
  static async onFreePort(): Promise<WebhookReceiver> {
    const probe = new WebhookReceiver(0);
    await probe.start();
    const { port } = probe.server!.address() as { port: number };
    await probe.stop();
    return new WebhookReceiver(port);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks);
        const body = JSON.parse(rawBody.toString('utf8'));
        const path = request.url ?? '/';
        const answer = this.answer({ path, body, count: this.received.filter((entry) => entry.path === path).length });
        this.received.push({ path, headers: request.headers, rawBody, body, status: answer.status });
        response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  /** Requests to `path` the endpoint accepted (2xx). */
  accepted(path: string): ReceivedWebhook[] {
    return this.received.filter((entry) => entry.path === path && entry.status >= 200 && entry.status < 300);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_WEBHOOK_BODY = 256 * 1024;

/**
 * A webhook signature covers the exact bytes sent, so the inbound webhook routes keep the raw body
 * (a Buffer in `req.body`) instead of Nest's parsed JSON. Registered before Nest's body parsers, which
 * then pass over the already-read request.
 */
export function keepRawWebhookBodies(app: INestApplication): void {
  app.use('/webhooks', (req: IncomingMessage & { body?: unknown }, res: ServerResponse, next: (error?: unknown) => void) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_WEBHOOK_BODY) chunks.push(chunk);
    });
    req.on('error', next);
    req.on('end', () => {
      if (size > MAX_WEBHOOK_BODY) {
        res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `webhook body over ${MAX_WEBHOOK_BODY} bytes` }));
        return;
      }
      req.body = Buffer.concat(chunks);
      next();
    });
  });
}

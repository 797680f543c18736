import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTracing, tracer } from './index';

it('with OTEL_TRACES_EXPORTER=otlp, finished spans reach the collector at OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', async () => {
  const received: Array<{ url?: string; body: string }> = [];
  const collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ url: req.url, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
  try {
    const tracing = startTracing({ serviceName: 'inventory', exporter: 'otlp' });
    tracer().startSpan('reserve stock').end();
    await tracing.provider.forceFlush();
    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('/v1/traces');
    expect(received[0].body).toContain('reserve stock');
    expect(received[0].body).toContain('inventory');
    await tracing.shutdown();
  } finally {
    delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    collector.close();
  }
});

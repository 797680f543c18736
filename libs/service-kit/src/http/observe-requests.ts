import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { extractTraceContext, histogram, KafkaHeaders, latencyBuckets, tracer } from '@omnibus/observability';
import type { NextFunction, Request, Response } from 'express';

/**
 * Express middleware: one SERVER span per request (continuing the caller's W3C `traceparent`),
 * active while the request is handled so logs, outbox rows and Kafka headers carry its trace,
 * and the request duration histogram, labelled by route pattern rather than raw URL so that ids
 * in paths cannot explode the number of series.
 */
export function observeRequests() {
  const duration = histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests served, by method, route and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: latencyBuckets,
  });

  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const parent = extractTraceContext(req.headers as KafkaHeaders, context.active());
    const span = tracer().startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.path } },
      parent,
    );
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const route = req.route ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      const status = res.headersSent ? res.statusCode : 499; // 499: the client went away first
      duration.observe({ method: req.method, route, status_code: String(status) }, Number(process.hrtime.bigint() - started) / 1e9);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ [ATTR_HTTP_ROUTE]: route, [ATTR_HTTP_RESPONSE_STATUS_CODE]: status });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', finish);
    res.once('close', finish);
    context.with(trace.setSpan(parent, span), next);
  };
}

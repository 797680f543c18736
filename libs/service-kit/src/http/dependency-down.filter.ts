import { ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';

/** Errors that say the database is unreachable or every pooled connection is busy, not that the request is wrong. */
const DATABASE_DOWN = [/timeout exceeded when trying to connect/i, /is not currently accepting connections/i, /Connection terminated/i, /ECONNREFUSED/, /the database system is (starting up|shutting down)/i, /too many clients/i];
const DATABASE_DOWN_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);

export function isDatabaseDown(error: unknown): boolean {
  for (let candidate = error, depth = 0; candidate instanceof Error && depth < 4; candidate = candidate.cause as unknown, depth++) {
    const code = (candidate as { code?: unknown }).code ?? (candidate as { driverError?: { code?: unknown } }).driverError?.code;
    if (typeof code === 'string' && DATABASE_DOWN_SQLSTATES.has(code)) return true;
    if (DATABASE_DOWN.some((pattern) => pattern.test(candidate.message))) return true;
  }
  return false;
}

/**
 * An HTTP request that failed because the database was unreachable or saturated gets 503 with
 * Retry-After, so callers (channels, the CLI) back off and try again, instead of a 500 that reads as
 * a bug. Everything else is answered as Nest always does.
 */
@Catch()
export class DependencyDownFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || exception instanceof HttpException || !isDatabaseDown(exception)) return super.catch(exception, host);
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return super.catch(exception, host);
    response
      .status(503)
      .setHeader('retry-after', '1')
      .json({ statusCode: 503, error: 'Service Unavailable', message: 'the database is unreachable or busy; retry shortly' });
  }
}

import { ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { isDependencyDown } from '../database-failures';

/**
 * An HTTP request that failed because the database was unreachable or saturated gets 503 with
 * Retry-After, so callers (channels, the CLI) back off and try again, instead of a 500 that reads as
 * a bug. Everything else is answered as Nest always does.
 */
@Catch()
export class DependencyDownFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || exception instanceof HttpException || !isDependencyDown(exception)) return super.catch(exception, host);
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return super.catch(exception, host);
    response
      .status(503)
      .setHeader('retry-after', '1')
      .json({ statusCode: 503, error: 'Service Unavailable', message: 'the database or another service this request needs is unreachable or busy; retry shortly' });
  }
}

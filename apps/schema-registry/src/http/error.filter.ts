import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { RegistryError, errors } from '../registry/errors';
import { SCHEMA_REGISTRY_V1_JSON } from './media-type';

/** Every error leaves as Confluent's `{error_code, message}`; unexpected ones are logged, not leaked as a crash. */
@Catch()
export class RegistryErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('SchemaRegistry');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = toErrorResponse(error);
    if (status >= 500) this.logger.error(error instanceof Error ? error.stack ?? error.message : String(error));
    response.status(status).type(SCHEMA_REGISTRY_V1_JSON).send(JSON.stringify(body));
  }
}

export function toErrorResponse(error: unknown): { status: number; body: object } {
  if (error instanceof RegistryError) return { status: error.status, body: error.toBody() };
  const parserError = error as { type?: string; status?: number; message?: string };
  if (parserError?.type === 'entity.parse.failed') return fromRegistryError(errors.jsonParse(parserError.message ?? ''));
  if (parserError?.type === 'entity.too.large') return fromRegistryError(errors.schemaTooLarge('Request body too large'));
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    // Our own structured answers (health) keep their shape.
    if (typeof response === 'object' && response !== null && 'status' in response) return { status, body: response };
    const message = status === 404 ? 'HTTP 404 Not Found' : error.message;
    return { status, body: { error_code: status, message } };
  }
  if (parserError?.status && parserError.status >= 400 && parserError.status < 500) {
    return { status: parserError.status, body: { error_code: parserError.status, message: parserError.message ?? 'Bad request' } };
  }
  const cause = error instanceof Error ? error.message : String(error);
  return fromRegistryError(errors.store(cause));
}

function fromRegistryError(error: RegistryError) {
  return { status: error.status, body: error.toBody() };
}

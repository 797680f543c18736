import { ArgumentMetadata, BadRequestException, Body, Injectable, Param, PipeTransform, Query } from '@nestjs/common';
import { z } from 'zod';

/** One failing field of a request, e.g. `{ path: 'lines.0.quantity', message: 'Expected number, received string' }`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * Parses a request body / query with a zod schema: the handler receives the parsed, typed value;
 * a malformed request gets 400 with every failing field path.
 */
@Injectable()
export class ZodValidationPipe<S extends z.ZodTypeAny> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const issues: FieldIssue[] = result.error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.join('.') : `(${metadata.type})`,
      message: issue.message,
    }));
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `invalid request ${metadata.type}`, issues });
  }
}

/** The zod schemas a route's request is validated with: what `GET /openapi.json` documents. */
export interface RequestSchemas {
  body?: z.ZodTypeAny;
  query?: z.ZodTypeAny;
  params?: z.ZodTypeAny;
}

const REQUEST_SCHEMAS = 'omnibus:request-schemas';

/** The schemas recorded for a route handler by `@ValidBody`, `@ValidQuery`, `@ValidParams` or `@DescribeRequest`. */
export function requestSchemasOf(handler: object): RequestSchemas {
  return (Reflect.getMetadata(REQUEST_SCHEMAS, handler) as RequestSchemas | undefined) ?? {};
}

function recordSchemas(target: object, method: string | symbol | undefined, schemas: RequestSchemas): void {
  if (method === undefined) return;
  const handler = (target as Record<string | symbol, object>)[method];
  Reflect.defineMetadata(REQUEST_SCHEMAS, { ...requestSchemasOf(handler), ...schemas }, handler);
}

/**
 * Records the schemas of a handler that validates its request itself (e.g. after checking a
 * webhook secret), so the OpenAPI document shows them. Prefer `@ValidBody`, which does both.
 */
export const DescribeRequest =
  (schemas: RequestSchemas): MethodDecorator =>
  (target, method) =>
    recordSchemas(target, method, schemas);

/** `@ValidBody(placeOrderSchema) order: PlaceOrder` */
export const ValidBody =
  (schema: z.ZodTypeAny): ParameterDecorator =>
  (target, method, index) => {
    Body(new ZodValidationPipe(schema))(target, method, index);
    recordSchemas(target, method, { body: schema });
  };

/** `@ValidQuery(availabilityQuery) query: AvailabilityQuery` */
export const ValidQuery =
  (schema: z.ZodTypeAny): ParameterDecorator =>
  (target, method, index) => {
    Query(new ZodValidationPipe(schema))(target, method, index);
    recordSchemas(target, method, { query: schema });
  };

/** `@ValidParams(z.object({ orderId: z.string().uuid() })) params: { orderId: string }` */
export const ValidParams =
  (schema: z.ZodTypeAny): ParameterDecorator =>
  (target, method, index) => {
    Param(new ZodValidationPipe(schema))(target, method, index);
    recordSchemas(target, method, { params: schema });
  };

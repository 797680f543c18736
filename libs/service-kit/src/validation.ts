import { ArgumentMetadata, BadRequestException, Body, Injectable, PipeTransform, Query } from '@nestjs/common';
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

/** `@ValidBody(placeOrderSchema) order: PlaceOrder` */
export const ValidBody = (schema: z.ZodTypeAny): ParameterDecorator => Body(new ZodValidationPipe(schema));

/** `@ValidQuery(availabilityQuery) query: AvailabilityQuery` */
export const ValidQuery = (schema: z.ZodTypeAny): ParameterDecorator => Query(new ZodValidationPipe(schema));

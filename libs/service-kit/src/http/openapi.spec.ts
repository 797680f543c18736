import { z } from 'zod';
import { buildOpenApiDocument, DocumentedRoute, openApiPath } from './openapi';

const route = (overrides: Partial<DocumentedRoute>): DocumentedRoute => ({
  method: 'get',
  path: '/',
  operationId: 'X.y',
  tag: 'X',
  isPublic: false,
  scopes: [],
  successStatus: 200,
  pathParams: [],
  request: {},
  ...overrides,
});

const placeOrder = z.object({
  id: z.string().uuid(),
  note: z.string().nullish().transform((value) => value ?? null),
  lines: z.array(z.object({ sku: z.string().min(1), quantity: z.union([z.string(), z.number()]) })).min(1),
});

describe('openApiPath', () => {
  it.each([
    ['orders', ':orderId', '/orders/{orderId}', ['orderId']],
    ['/', '/', '/', []],
    ['orders', '/', '/orders', []],
    ['odoo/webhooks', ':model', '/odoo/webhooks/{model}', ['model']],
    ['a/:x', 'b/:y/', '/a/{x}/b/{y}', ['x', 'y']],
  ])('joins %s and %s into %s', (controller, path, expected, params) => {
    expect(openApiPath(controller, path)).toEqual({ path: expected, params });
  });
});

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument('fixture', [
    route({ method: 'post', path: '/orders', operationId: 'Orders.place', scopes: ['orders:write'], successStatus: 201, request: { body: placeOrder } }),
    route({ method: 'get', path: '/orders/{id}', operationId: 'Orders.find', scopes: ['orders:read'], pathParams: ['id'] }),
    route({ method: 'get', path: '/availability', operationId: 'Availability.query', request: { query: z.object({ skus: z.string(), channel: z.enum(['web', 'pos']).optional() }) } }),
    route({ method: 'get', path: '/health/live', operationId: 'Health.live', isPublic: true }),
  ]) as any;

  it('is OpenAPI 3.1 with bearer JWT security', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('Omnibus fixture');
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('documents a body from its zod schema: required fields, formats, arrays', () => {
    const operation = document.paths['/orders'].post;
    const schema = operation.requestBody.content['application/json'].schema;
    expect(operation.requestBody.required).toBe(true);
    expect(schema.required).toEqual(['id', 'lines']);
    expect(schema.properties.id).toMatchObject({ type: 'string', format: 'uuid' });
    expect(schema.properties.lines).toMatchObject({ type: 'array', minItems: 1, items: { required: ['sku', 'quantity'] } });
    expect(operation.security).toEqual([{ bearerAuth: ['orders:write'] }]);
    expect(Object.keys(operation.responses).sort()).toEqual(['201', '400', '401', '403']);
    expect(operation.responses['400'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ValidationError' });
    expect(document.components.schemas.ValidationError.properties.issues.items.required).toEqual(['path', 'message']);
  });

  it('documents path parameters and query fields', () => {
    expect(document.paths['/orders/{id}'].get.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
    const query = document.paths['/availability'].get.parameters;
    expect(query).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'skus', in: 'query', required: true }),
        expect.objectContaining({ name: 'channel', in: 'query', required: false, schema: { type: 'string', enum: ['web', 'pos'] } }),
      ]),
    );
  });

  it('marks a public route as needing no token, and an authenticated one without scopes as 401 only', () => {
    const live = document.paths['/health/live'].get;
    expect(live.security).toEqual([]);
    expect(Object.keys(live.responses)).toEqual(['200']);
    const availability = document.paths['/availability'].get;
    expect(availability.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(availability.responses).sort()).toEqual(['200', '400', '401']);
  });
});

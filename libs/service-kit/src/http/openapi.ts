import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { Controller, Get, Header, Inject, Injectable, RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { z } from 'zod';
import { Public, PUBLIC_METADATA, SCOPES_METADATA } from '../auth/auth.guard';
import { SERVICE_NAME } from '../tokens';
import { RequestSchemas, requestSchemasOf } from '../validation';

// The library reads its metadata through `.openapi()` on zod's prototype; this adds that method once.
extendZodWithOpenApi(z);

type Method = 'get' | 'post' | 'put' | 'delete' | 'patch' | 'head' | 'options';

/** One HTTP route of a service, as Nest's route metadata and the kit's decorators describe it. */
export interface DocumentedRoute {
  method: Method;
  /** OpenAPI form: `/orders/{orderId}`. */
  path: string;
  /** `<Controller>.<method>`, unique per route. */
  operationId: string;
  /** The controller's name without `Controller`: groups the routes. */
  tag: string;
  isPublic: boolean;
  /** Every scope the caller's token must carry (handler and controller). */
  scopes: string[];
  /** The status a success answers with (`@HttpCode`, else Nest's default: 201 for POST, 200 otherwise). */
  successStatus: number;
  /** Path parameter names, in path order. */
  pathParams: string[];
  request: RequestSchemas;
}

const METHODS: Partial<Record<RequestMethod, Method>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.HEAD]: 'head',
  [RequestMethod.OPTIONS]: 'options',
};

/** The kit's error bodies (`ZodValidationPipe`, `AuthGuard`, Nest's exceptions): fixed shapes, not routes. */
const ERROR_SCHEMAS = {
  Error: {
    type: 'object',
    required: ['statusCode', 'message'],
    properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
  },
  ValidationError: {
    type: 'object',
    required: ['statusCode', 'error', 'message'],
    properties: {
      statusCode: { type: 'integer', const: 400 },
      error: { type: 'string', const: 'Bad Request' },
      message: { type: 'string', examples: ['invalid request body'] },
      issues: {
        type: 'array',
        description: 'Every failing field; absent for malformed JSON.',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: {
            path: { type: 'string', description: 'Dotted field path, e.g. `lines.0.quantity`.', examples: ['lines.0.quantity'] },
            message: { type: 'string' },
          },
        },
      },
    },
  },
} as const;

const json = (ref: keyof typeof ERROR_SCHEMAS, description: string): ResponseConfig => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

/**
 * The OpenAPI 3.1 document of a service's routes. Request bodies, queries and path parameters are
 * the zod schemas that validate them (zod-to-openapi turns them into JSON Schema), so the document
 * cannot drift from what the service accepts.
 */
export function buildOpenApiDocument(service: string, routes: readonly DocumentedRoute[]): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An Omnibus API token (`npx omnibus token --sub … --scope …`); each operation lists the scopes it needs.',
  });
  for (const [name, schema] of Object.entries(ERROR_SCHEMAS)) registry.registerComponent('schemas', name, schema as never);

  const ordered = [...routes].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  for (const route of ordered) {
    const responses: Record<string, ResponseConfig> = { [route.successStatus]: { description: 'Success' } };
    const validates = route.request.body || route.request.query || route.request.params;
    if (validates || route.method === 'post' || route.method === 'put' || route.method === 'patch') {
      responses['400'] = json('ValidationError', 'The request is invalid: `issues` names every failing field by its path');
    }
    if (!route.isPublic) {
      responses['401'] = json('Error', 'No bearer token, or the token is invalid or expired');
      if (route.scopes.length > 0) responses['403'] = json('Error', `The token lacks a scope: ${route.scopes.join(', ')}`);
    }
    const scopes = route.scopes.length > 0 ? ` Scopes: ${route.scopes.map((scope) => `\`${scope}\``).join(', ')}.` : '';
    registry.registerPath({
      method: route.method,
      path: route.path,
      operationId: route.operationId,
      tags: [route.tag],
      description: route.isPublic ? 'Public: no token needed.' : `Needs a bearer token.${scopes}`,
      // OpenAPI 3.1 lets a non-OAuth scheme list the roles it needs: here the token's scopes.
      security: route.isPublic ? [] : [{ bearerAuth: route.scopes }],
      request: {
        params: (route.request.params ?? pathParamsSchema(route.pathParams)) as never,
        ...(route.request.query ? { query: route.request.query as never } : {}),
        ...(route.request.body ? { body: { required: true, content: { 'application/json': { schema: route.request.body } } } } : {}),
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: `Omnibus ${service}`, version: '1', description: `The HTTP routes of the ${service} service, generated from the zod schemas that validate them.` },
  }) as unknown as Record<string, unknown>;
}

/** Path parameters the handler takes as plain text (no zod schema of its own). */
function pathParamsSchema(names: readonly string[]): z.AnyZodObject | undefined {
  if (names.length === 0) return undefined;
  return z.object(Object.fromEntries(names.map((name) => [name, z.string()])));
}

/** `/orders/:orderId` joined and in OpenAPI form, with its parameter names. */
export function openApiPath(controllerPath: string, routePath: string): { path: string; params: string[] } {
  const joined = `/${controllerPath}/${routePath}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  const params: string[] = [];
  const path = joined.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

/** Every HTTP route of the application's controllers, read from Nest's route metadata. */
@Injectable()
export class RouteCatalogue {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  routes(): DocumentedRoute[] {
    const routes: DocumentedRoute[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller || !wrapper.instance) continue;
      const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, object>;
      const controllerPaths = asList(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        const routePaths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        // Message handlers (@EventPattern) carry no route metadata; RequestMethod.ALL has no single verb.
        if (routePaths === undefined || !method) continue;
        const isPublic = Boolean(Reflect.getMetadata(PUBLIC_METADATA, handler) ?? Reflect.getMetadata(PUBLIC_METADATA, controller));
        const scopes = [
          ...((Reflect.getMetadata(SCOPES_METADATA, controller) as string[] | undefined) ?? []),
          ...((Reflect.getMetadata(SCOPES_METADATA, handler) as string[] | undefined) ?? []),
        ];
        const httpCode = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
        for (const controllerPath of controllerPaths) {
          for (const routePath of asList(routePaths)) {
            const { path, params } = openApiPath(controllerPath, routePath);
            const paths = asList(routePaths).length * controllerPaths.length;
            routes.push({
              method,
              path,
              operationId: paths > 1 ? `${controller.name}.${name}${routes.length}` : `${controller.name}.${name}`,
              tag: controller.name.replace(/Controller$/, '') || controller.name,
              isPublic,
              scopes: [...new Set(scopes)],
              successStatus: httpCode ?? (method === 'post' ? 201 : 200),
              pathParams: params,
              request: requestSchemasOf(handler),
            });
          }
        }
      }
    }
    return routes;
  }
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return ['/'];
  return Array.isArray(value) ? value : [value];
}

/** `GET /openapi.json`: the document of every route of this service, built once on first request. */
@Public()
@Controller('openapi.json')
export class OpenApiController {
  private document?: Record<string, unknown>;

  constructor(
    private readonly catalogue: RouteCatalogue,
    @Inject(SERVICE_NAME) private readonly service: string,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-cache')
  openApi(): Record<string, unknown> {
    this.document ??= buildOpenApiDocument(this.service, this.catalogue.routes());
    return this.document;
  }
}

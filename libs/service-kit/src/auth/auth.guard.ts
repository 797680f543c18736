import {
  CanActivate,
  createParamDecorator,
  CustomDecorator,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { SERVICE_CONFIG } from '../tokens';
import type { ServiceConfig } from '../config';
import { InvalidTokenError, Principal, verifyToken } from './tokens';

export const PUBLIC_METADATA = 'omnibus:public';
const PUBLIC = PUBLIC_METADATA;
export const SCOPES_METADATA = 'omnibus:scopes';
const SCOPES = SCOPES_METADATA;

/** Opens a route or controller to callers without a token (health, metrics, signed webhooks). */
export const Public = (): CustomDecorator => SetMetadata(PUBLIC, true);

/** The caller's token must carry every one of these scopes, else 403. */
export const RequireScopes = (...scopes: string[]): CustomDecorator => SetMetadata(SCOPES, scopes);

type AuthenticatedRequest = Request & { principal?: Principal };

/** The verified caller of the current request (`@CurrentPrincipal() principal: Principal`). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);

/**
 * Every HTTP route needs `Authorization: Bearer <token>` unless marked @Public():
 * secure by default, so a new endpoint cannot be left open by forgetting a decorator.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token) throw new UnauthorizedException('missing bearer token');
    try {
      request.principal = await verifyToken(token, this.config.OMNIBUS_AUTH_SECRET);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new UnauthorizedException(error.message);
      throw error;
    }

    const required = this.reflector.getAllAndMerge<string[]>(SCOPES, targets) ?? [];
    const missing = required.filter((scope) => !request.principal!.scopes.includes(scope));
    if (missing.length > 0) throw new ForbiddenException(`missing scope ${missing.join(', ')}`);
    return true;
  }
}

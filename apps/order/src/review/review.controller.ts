import { BadRequestException, Controller, Get, Headers, HttpCode, NotFoundException, Post, Res } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes, ValidBody, ValidParams, ValidQuery } from '@omnibus/service-kit';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { checkIdempotencyKey } from '../domain/idempotency';
import type { ReviewItemView } from './review-item';
import { ReviewPage, ReviewQueue } from './review-queue.service';
import { ListReviewQuery, listReviewSchema, ListWebhooksQuery, listWebhooksSchema, ResolveReviewRequest, resolveReviewSchema, reviewIdSchema } from './review-request';
import { listUnmatchedWebhooks } from './review-store';

/** The manual-review queue of the order saga, for operators (scopes review:read and review:write). */
@Controller('review')
export class ReviewController {
  constructor(
    private readonly queue: ReviewQueue,
    private readonly dataSource: DataSource,
  ) {}

  /** Review items oldest first; filters state, reason, overdue (past the SLA); paging with limit and offset. */
  @Get()
  @RequireScopes('review:read')
  list(@ValidQuery(listReviewSchema) query: ListReviewQuery): Promise<ReviewPage> {
    return this.queue.list(query);
  }

  /** Signed webhooks that named no order of ours, newest first: `{ items, total, limit, offset, nextOffset }`. */
  @Get('webhooks')
  @RequireScopes('review:read')
  async unmatchedWebhooks(@ValidQuery(listWebhooksSchema) query: ListWebhooksQuery) {
    const { items, total } = await listUnmatchedWebhooks(this.dataSource.manager, query);
    return { items: items.map((item) => ({ ...item, receivedAt: item.receivedAt.toISOString() })), total, limit: query.limit, offset: query.offset, nextOffset: query.offset + items.length < total ? query.offset + items.length : null };
  }

  @Get(':id')
  @RequireScopes('review:read')
  async show(@ValidParams(reviewIdSchema) params: { id: string }): Promise<ReviewItemView> {
    const item = await this.queue.find(params.id.toLowerCase());
    if (!item) throw new NotFoundException(`no review item ${params.id}`);
    return item;
  }

  /**
   * 200 with the resolved item; the same decision again (or under the same Idempotency-Key) gets the
   * same answer with `Idempotent-Replayed: true`; 404 for an unknown item; 409 for an item already
   * resolved another way; 422 for an action the item does not allow.
   */
  @Post(':id/resolve')
  @HttpCode(200)
  @RequireScopes('review:write')
  async resolve(
    @CurrentPrincipal() principal: Principal,
    @ValidParams(reviewIdSchema) params: { id: string },
    @Headers('idempotency-key') idempotencyKeyHeader: string | undefined,
    @ValidBody(resolveReviewSchema) request: ResolveReviewRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ReviewItemView> {
    let idempotencyKey: string | null = null;
    if (idempotencyKeyHeader !== undefined) {
      const key = checkIdempotencyKey(idempotencyKeyHeader);
      if (!key.ok) throw new BadRequestException(key.message);
      idempotencyKey = key.key;
    }
    const resolved = await this.queue.resolve(principal.sub, params.id.toLowerCase(), request, idempotencyKey);
    if (resolved.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return resolved.item;
  }
}

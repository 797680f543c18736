import { Controller, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes, ValidBody } from '@omnibus/service-kit';
import { FEED_SOURCES, FeedRequest, feedRequestSchema } from './feed-request';
import { FeedOutcome, StockFeeds } from './stock-feeds.service';

/** Stock feeds of systems that are not Odoo: WMS, POS, 3PL and drop-ship partners. */
@Controller('stock/feeds')
export class FeedsController {
  constructor(private readonly feeds: StockFeeds) {}

  /**
   * 200 with how many updates were applied, were duplicates (event id seen) or were older than the
   * position already reflects (ignored). 400 naming each bad field, 403 when a partner token names
   * a location of someone else, 404 for an unknown source; in every error case nothing is applied.
   */
  @Post(':source')
  @HttpCode(200)
  @RequireScopes('stock:feed')
  async feed(@CurrentPrincipal() principal: Principal, @Param('source') sourcePath: string, @ValidBody(feedRequestSchema) request: FeedRequest): Promise<FeedOutcome> {
    const source = FEED_SOURCES[sourcePath];
    if (!source) throw new NotFoundException(`no stock feed source ${sourcePath}; one of ${Object.keys(FEED_SOURCES).join(', ')}`);
    return this.feeds.feed(
      principal,
      source,
      request.updates.map((update) => ({ ...update, observedAt: new Date(update.observedAt) })),
    );
  }
}

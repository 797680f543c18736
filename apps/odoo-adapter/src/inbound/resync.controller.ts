import { Controller, HttpCode, Post } from '@nestjs/common';
import { RequireScopes } from '@omnibus/service-kit';
import { InboundSyncService } from './inbound-sync.service';

/** `POST /odoo/resync`: runs the full catalogue re-sync now (operators; token scope `odoo:sync`). */
@Controller('odoo')
export class ResyncController {
  constructor(private readonly inbound: InboundSyncService) {}

  @Post('resync')
  @HttpCode(200)
  @RequireScopes('odoo:sync')
  resync(): Promise<{ published: number }> {
    return this.inbound.fullResync();
  }
}

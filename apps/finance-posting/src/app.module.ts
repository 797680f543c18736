import { Module } from '@nestjs/common';

/**
 * Operational events to balanced journal entries, posted to Odoo once, and reconciliation. The
 * standard parts come from the service kit; posting rules and the posting flow land here.
 */
@Module({})
export class AppModule {}

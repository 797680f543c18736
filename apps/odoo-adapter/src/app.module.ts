import { Module } from '@nestjs/common';

/**
 * The only code that speaks to Odoo: outbound commands, incremental sync by write_date cursors,
 * Odoo webhooks. The standard parts come from the service kit; the Odoo flows land here.
 */
@Module({})
export class AppModule {}

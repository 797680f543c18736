import { outboxMigrations } from '@omnibus/outbox';
import { defineService } from '@omnibus/service-kit';
import { AppModule } from './app.module';
import { odooAdapterConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';

export const odooAdapterService = defineService({
  name: 'odoo-adapter',
  appModule: AppModule,
  configSchema: odooAdapterConfigSchema,
  migrations: [...outboxMigrations, Initial1795700000000],
});

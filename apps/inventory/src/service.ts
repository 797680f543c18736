import { outboxMigrations } from '@omnibus/outbox';
import { defineService } from '@omnibus/service-kit';
import { AppModule } from './app.module';
import { inventoryConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';

export const inventoryService = defineService({
  name: 'inventory',
  appModule: AppModule,
  configSchema: inventoryConfigSchema,
  migrations: [...outboxMigrations, Initial1795700000000],
});

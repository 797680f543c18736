import { outboxMigrations } from '@omnibus/outbox';
import { defineService } from '@omnibus/service-kit';
import { AppModule } from './app.module';
import { orderConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';

export const orderService = defineService({
  name: 'order',
  appModule: AppModule,
  configSchema: orderConfigSchema,
  migrations: [...outboxMigrations, Initial1795700000000],
});

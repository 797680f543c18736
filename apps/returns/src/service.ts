import { outboxMigrations } from '@omnibus/outbox';
import { defineService } from '@omnibus/service-kit';
import { AppModule } from './app.module';
import { returnsConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';

export const returnsService = defineService({
  name: 'returns',
  appModule: AppModule,
  configSchema: returnsConfigSchema,
  migrations: [...outboxMigrations, Initial1795700000000],
});

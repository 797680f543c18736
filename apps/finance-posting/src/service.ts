import { outboxMigrations } from '@omnibus/outbox';
import { defineService } from '@omnibus/service-kit';
import { AppModule } from './app.module';
import { financePostingConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';

export const financePostingService = defineService({
  name: 'finance-posting',
  appModule: AppModule,
  configSchema: financePostingConfigSchema,
  migrations: [...outboxMigrations, Initial1795700000000],
});

import { Module } from '@nestjs/common';

/**
 * Order intake for channels and the order saga. The standard parts (config, logs, database,
 * health, metrics, auth) come from the service kit; intake API, saga and webhooks land here.
 */
@Module({})
export class AppModule {}

import { Module } from '@nestjs/common';

/**
 * Return authorisations, receipt, disposition and refunds. The standard parts come from the
 * service kit; the returns API and policy land here.
 */
@Module({})
export class AppModule {}

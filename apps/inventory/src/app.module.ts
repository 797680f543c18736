import { Module } from '@nestjs/common';

/**
 * Stock positions per location, reservations and available-to-promise. The standard parts come
 * from the service kit; the availability API and stock feeds land here.
 */
@Module({})
export class AppModule {}

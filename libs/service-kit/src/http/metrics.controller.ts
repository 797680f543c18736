import { Controller, Get, Header } from '@nestjs/common';
import { metricsRegistry } from '@omnibus/observability';
import { Public } from '../auth/auth.guard';

@Public()
@Controller('metrics')
export class MetricsController {
  /** Prometheus text exposition of the process registry (Node defaults, HTTP, business metrics). */
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}

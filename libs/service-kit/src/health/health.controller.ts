import { Controller, Get, Inject, OnApplicationShutdown } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/auth.guard';
import { DependencyProbe } from './dependency-probe';

/** Injection token of the dependencies readiness checks (database, and Kafka unless disabled). */
export const READINESS_PROBES = Symbol.for('omnibus:readiness-probes');

/** Closes the probes' own connections (the Kafka admin client) when the service stops. */
export class ReadinessProbes implements OnApplicationShutdown {
  constructor(readonly probes: DependencyProbe[]) {}

  /** Parts of the service that report their own readiness by name beside the dependencies (the outbox relay, each event consumer `consumer:<group>`). */
  add(probe: DependencyProbe): void {
    this.probes.push(probe);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.probes.map((probe) => probe.close()));
  }
}

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_PROBES) private readonly readiness: ReadinessProbes,
  ) {}

  /** The process is up and serving HTTP; says nothing about dependencies. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** 200 when every dependency answers; 503 naming the ones that do not. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.readiness.probes.map((probe) => async () => {
        const result = await probe.check();
        const indicator = this.indicators.check(probe.name);
        return result.up ? indicator.up() : indicator.down({ message: result.message ?? 'unreachable' });
      }),
    );
  }
}

import {
  BeforeApplicationShutdown,
  DynamicModule,
  Inject,
  InjectionToken,
  Module,
  ModuleMetadata,
  OnApplicationBootstrap,
  Optional,
  OptionalFactoryDependency,
} from '@nestjs/common';
import { DependencyProbe, READINESS_PROBES, ReadinessProbes } from '@omnibus/service-kit';
import { OutboxRelay, OutboxRelayOptions } from './relay';

/** Injection token of the service's OutboxRelay (e.g. for a readiness check or a test). */
export const OUTBOX_RELAY = Symbol.for('omnibus:outbox-relay');

export interface OutboxRelayModuleOptions {
  imports?: ModuleMetadata['imports'];
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useFactory: (...args: any[]) => OutboxRelayOptions | Promise<OutboxRelayOptions>;
}

class OutboxRelayLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay,
    @Optional() @Inject(READINESS_PROBES) readiness?: ReadinessProbes,
  ) {
    // /health/ready reports `outbox-relay` down, naming the shards, while a held shard does not advance.
    readiness?.add(
      new DependencyProbe('outbox-relay', async () => {
        const { up, message } = relay.health();
        if (!up) throw new Error(message);
      }),
    );
  }

  /** The app starts only once the relay holds its shards (a wrong shard count fails the start). */
  onApplicationBootstrap(): Promise<void> {
    return this.relay.start();
  }

  /** Before the DataSource closes (onApplicationShutdown), so the batch in flight can commit. */
  beforeApplicationShutdown(): Promise<void> {
    return this.relay.stop();
  }
}

/**
 * Runs the outbox relay inside a Nest service: started after bootstrap, stopped on shutdown before
 * the database closes; in a service-kit service its health() is the `outbox-relay` readiness check.
 * With @omnibus/service-kit:
 *
 *   OutboxRelayModule.forRootAsync({
 *     inject: [DataSource, KAFKA_CLIENT, ROOT_LOGGER],
 *     useFactory: (dataSource, kafka, logger) => ({ dataSource, kafka, logger: logger.child({ component: 'outbox-relay' }) }),
 *   })
 */
@Module({})
export class OutboxRelayModule {
  static forRootAsync(options: OutboxRelayModuleOptions): DynamicModule {
    return {
      module: OutboxRelayModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: OUTBOX_RELAY,
          inject: options.inject ?? [],
          useFactory: async (...args: unknown[]) => new OutboxRelay(await options.useFactory(...args)),
        },
        OutboxRelayLifecycle,
      ],
      exports: [OUTBOX_RELAY],
    };
  }
}

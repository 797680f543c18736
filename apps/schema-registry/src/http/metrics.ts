import { counter } from '@omnibus/service-kit';
import { RegistryEvents } from '../registry/schema-registry';

/** The registry's own Prometheus series, beside the kit's HTTP and Node metrics on `/metrics`. */
export class RegistryMetrics {
  private readonly registrations = counter({
    name: 'schema_registry_registrations_total',
    help: 'Schema registrations by outcome: created, existing (idempotent), incompatible, invalid',
    labelNames: ['outcome'],
  });

  private readonly schemaCacheLookups = counter({
    name: 'schema_registry_schema_cache_lookups_total',
    help: 'Lookups of schemas by id, by whether the in-memory cache had them',
    labelNames: ['result'],
  });

  readonly events: RegistryEvents = {
    schemaCache: (hit) => this.schemaCacheLookups.inc({ result: hit ? 'hit' : 'miss' }),
    registration: (outcome) => this.registrations.inc({ outcome }),
  };
}

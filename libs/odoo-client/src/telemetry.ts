import { Counter, Gauge, Histogram, register as defaultRegistry, Registry } from 'prom-client';

export interface OdooClientMetrics {
  callDuration: Histogram<'transport' | 'model' | 'method' | 'outcome'>;
  retries: Counter<'model' | 'method' | 'reason'>;
  circuitOpen: Gauge<never>;
  concurrencyLimit: Gauge<never>;
}

/** The client's Prometheus metrics, registered once per registry (several clients share them). */
export function odooClientMetrics(registry: Registry = defaultRegistry): OdooClientMetrics {
  const existing = registry.getSingleMetric('odoo_client_call_duration_seconds');
  if (existing) {
    return {
      callDuration: existing as OdooClientMetrics['callDuration'],
      retries: registry.getSingleMetric('odoo_client_retries_total') as OdooClientMetrics['retries'],
      circuitOpen: registry.getSingleMetric('odoo_client_circuit_open') as OdooClientMetrics['circuitOpen'],
      concurrencyLimit: registry.getSingleMetric('odoo_client_concurrency_limit') as OdooClientMetrics['concurrencyLimit'],
    };
  }
  return {
    callDuration: new Histogram({
      name: 'odoo_client_call_duration_seconds',
      help: 'Duration of Odoo external-API calls, retries included, by outcome (ok or error class)',
      labelNames: ['transport', 'model', 'method', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'odoo_client_retries_total',
      help: 'Odoo calls repeated after a transient failure, by reason',
      labelNames: ['model', 'method', 'reason'],
      registers: [registry],
    }),
    circuitOpen: new Gauge({
      name: 'odoo_client_circuit_open',
      help: '1 while the circuit breaker towards Odoo is open (calls refused locally)',
      registers: [registry],
    }),
    concurrencyLimit: new Gauge({
      name: 'odoo_client_concurrency_limit',
      help: 'Odoo calls allowed in flight now: ODOO_MAX_CONCURRENT, halved while Odoo answers 429/503',
      registers: [registry],
    }),
  };
}

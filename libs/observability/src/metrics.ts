import {
  collectDefaultMetrics,
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Registry,
} from 'prom-client';

/**
 * The one Prometheus registry of this process. Services expose it on GET /metrics; libraries
 * (outbox, messaging, business code) add their metrics to it with the helpers below.
 */
export const metricsRegistry = new Registry();

let nodeMetricsCollected = false;

/** Adds the default Node.js process metrics (CPU, memory, event loop lag, GC) once per process. */
export function collectNodeMetrics(labels: Record<string, string> = {}): void {
  if (Object.keys(labels).length > 0) metricsRegistry.setDefaultLabels(labels);
  if (nodeMetricsCollected) return;
  nodeMetricsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

// Get-or-create, because a module may be loaded by several services in one test process and
// prom-client refuses to register the same name twice.
function existing<T>(name: string): T | undefined {
  return metricsRegistry.getSingleMetric(name) as T | undefined;
}

export function counter<L extends string = string>(config: CounterConfiguration<L>): Counter<L> {
  return existing<Counter<L>>(config.name) ?? new Counter({ ...config, registers: [metricsRegistry] });
}

export function gauge<L extends string = string>(config: GaugeConfiguration<L>): Gauge<L> {
  return existing<Gauge<L>>(config.name) ?? new Gauge({ ...config, registers: [metricsRegistry] });
}

export function histogram<L extends string = string>(config: HistogramConfiguration<L>): Histogram<L> {
  return existing<Histogram<L>>(config.name) ?? new Histogram({ ...config, registers: [metricsRegistry] });
}

/** Latency buckets (seconds) suited to API calls and message handling: 1 ms to 10 s. */
export const latencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

import { Counter, Gauge, Histogram, Registry as MetricsRegistry } from 'prom-client';
import { OdooException, lockError, pythonError, serializationFailure, validationError } from '../orm/errors';
import { nowMicros } from '../orm/time';
import { asOdooException } from '../wire/error-encoding';
import { CallLog, type CallOutcome, type CallTarget, FaultInjector, type FaultKind, WorkerPool } from './chaos';
import type { Simulator } from './simulator';

/**
 * Every external call goes through here: a worker slot, injected faults, one transaction started at
 * call start (cr.now()), commit or rollback, and a call-log entry tests can assert on.
 */

export type CallResult =
  | { kind: 'ok'; value: unknown }
  | { kind: 'error'; error: OdooException }
  | { kind: 'http_error'; status: number }
  | { kind: 'drop' };

export interface RunTarget extends CallTarget {
  uid?: number | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SimRuntime {
  readonly faults = new FaultInjector();
  readonly workers = new WorkerPool(null);
  /** Time every call spends in its worker before running (Odoo's own work): with N workers, N / latency calls per second at most. */
  callLatencyMs = 0;
  readonly calls = new CallLog();
  readonly metrics = new MetricsRegistry();
  private readonly callCounter = new Counter({
    name: 'odoo_sim_calls_total',
    help: 'External API calls handled, by transport, model, method and outcome',
    labelNames: ['transport', 'model', 'method', 'outcome'],
    registers: [this.metrics],
  });
  private readonly callDuration = new Histogram({
    name: 'odoo_sim_call_duration_seconds',
    help: 'Time from receiving a call to its outcome, queueing included',
    labelNames: ['transport'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.metrics],
  });
  private readonly faultCounter = new Counter({
    name: 'odoo_sim_faults_injected_total',
    help: 'Faults injected into calls, by kind',
    labelNames: ['kind'],
    registers: [this.metrics],
  });

  constructor(readonly sim: Simulator) {
    const workers = this.workers;
    new Gauge({
      name: 'odoo_sim_workers_busy',
      help: 'Calls currently being served by a worker',
      registers: [this.metrics],
      collect() {
        this.set(workers.busy);
      },
    });
    new Gauge({
      name: 'odoo_sim_workers_queued',
      help: 'Calls waiting for a free worker',
      registers: [this.metrics],
      collect() {
        this.set(workers.queued);
      },
    });
    new Gauge({
      name: 'odoo_sim_odoo_version',
      help: 'Odoo major version the simulator speaks',
      registers: [this.metrics],
      collect: function (this: Gauge) {
        this.set(sim.version);
      },
    });
  }

  /**
   * Runs one call. `work` executes inside the transaction (synchronously); `transactional: false` is for
   * calls that change nothing (version, authenticate).
   */
  async run(target: RunTarget, work: () => unknown, options: { transactional?: boolean } = {}): Promise<CallResult> {
    const started = Date.now();
    const release = await this.workers.acquire();
    if (this.callLatencyMs > 0) await sleep(this.callLatencyMs);
    const hits = this.faults.draw(target);
    const kinds = hits.map((f) => f.kind);
    for (const kind of kinds) this.faultCounter.inc({ kind });
    let outcome: CallOutcome = 'ok';
    let committed = false;
    let result: CallResult;
    let committedValue: unknown;
    try {
      for (const fault of hits) if (fault.kind === 'latency') await sleep(fault.latencyMs ?? 100);
      const httpError = hits.find((f) => f.kind === 'http_error');
      if (httpError) {
        outcome = 'http_error';
        result = { kind: 'http_error', status: httpError.status ?? 502 };
      } else {
        const now = nowMicros();
        const delay = hits.find((f) => f.kind === 'commit_delay');
        if (delay) await sleep(delay.delayMs ?? 1000);
        const serialization = hits.find((f) => f.kind === 'serialization_failure');
        if (serialization) await sleep(serialization.latencyMs ?? 20);
        const dropBefore = hits.some((f) => f.kind === 'drop_before_commit');
        const dropAfter = hits.some((f) => f.kind === 'drop_after_commit');
        try {
          if (serialization && (serialization.retries ?? 5) >= 5) throw serializationFailure();
          if (hits.some((f) => f.kind === 'lock_error')) {
            // 19 raises its own LockError (409 on JSON-2); before, the raw psycopg2 error reached the client.
            if (this.sim.version >= 19) throw lockError('Cannot lock the record: another transaction is modifying it. Please retry.');
            throw pythonError('psycopg2.errors.LockNotAvailable', 'could not obtain lock on row in relation "stock_quant"\n');
          }
          if (hits.some((f) => f.kind === 'integrity_error')) {
            throw validationError(
              'The operation cannot be completed: duplicate key value violates unique constraint "omnibus_sim_injected_uniq"\nDETAIL:  Key (id)=(0) already exists.\n',
            );
          }
          const value = options.transactional === false ? work() : this.sim.transaction(now, work, { commit: !dropBefore });
          committed = options.transactional !== false && !dropBefore;
          if (committed) committedValue = value;
          if (dropBefore) {
            outcome = 'dropped_before_commit';
            result = { kind: 'drop' };
          } else if (dropAfter) {
            outcome = 'dropped_after_commit';
            result = { kind: 'drop' };
          } else {
            result = { kind: 'ok', value };
          }
        } catch (error) {
          const odooError = asOdooException(error);
          outcome = dropBefore || dropAfter ? (dropBefore ? 'dropped_before_commit' : 'dropped_after_commit') : 'error';
          result = dropBefore || dropAfter ? { kind: 'drop' } : { kind: 'error', error: odooError };
        }
      }
    } finally {
      release();
    }
    const durationMs = Date.now() - started;
    const errorName = result.kind === 'error' ? result.error.pythonClass : null;
    const createdIds =
      committed && target.modelMethod === 'create' && committedValue !== undefined
        ? ([] as unknown[]).concat(committedValue).filter((v): v is number => typeof v === 'number')
        : null;
    this.calls.add({
      at: new Date(started).toISOString(),
      transport: target.transport,
      service: target.service,
      method: target.method,
      model: target.model ?? null,
      modelMethod: target.modelMethod ?? null,
      uid: target.uid ?? null,
      outcome,
      committed,
      error: errorName,
      faults: kinds as FaultKind[],
      durationMs,
      createdIds,
    });
    this.callCounter.inc({ transport: target.transport, model: target.model ?? '', method: target.modelMethod ?? target.method, outcome });
    this.callDuration.observe({ transport: target.transport }, durationMs / 1000);
    return result;
  }
}


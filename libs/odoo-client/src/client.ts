import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  IsolatedCircuitError,
  retry,
  RetryPolicy,
} from 'cockatiel';
import { Registry } from 'prom-client';
import { isReadOnly, OdooCall } from './call';
import {
  isOutage,
  OdooCircuitOpenError,
  OdooConfigurationError,
  OdooError,
  OdooTransportName,
  OdooUnknownOutcomeError,
  retryClassOf,
} from './errors';
import { mapNetworkError } from './error-mapping';
import { OdooHttp } from './http';
import { odooClientMetrics, OdooClientMetrics } from './telemetry';
import { decodeJsonRpcReply, JsonRpcTransport } from './transports/jsonrpc';
import { Json2Transport } from './transports/json2';
import { OdooTransport } from './transports/transport';
import { XmlRpcTransport } from './transports/xmlrpc';
import { odooClientOptionsSchema, OdooClientOptions, OdooClientOptionsInput } from './options';
import { CallRateLimiter } from './rate-limit';
import { AdaptiveConcurrency } from './concurrency';
import { OdooServerVersion, parseServerVersion } from './version';

/** An Odoo domain in prefix notation, e.g. `[['write_date', '>=', '2024-05-01 00:00:00'], ['active', '=', true]]`. */
export type OdooDomain = unknown[];
export type OdooContext = Record<string, unknown>;
export type OdooValues = Record<string, unknown>;
export type OdooRecord = { id: number } & Record<string, unknown>;

export interface OdooConnection {
  version: OdooServerVersion;
  transport: OdooTransportName;
  uid: number;
}

export interface SearchOptions {
  offset?: number;
  limit?: number;
  /** Always give a total order ending with `id` when paginating (§3.1). */
  order?: string;
  context?: OdooContext;
}

export interface OdooClientDependencies {
  /** Prometheus registry for the client's metrics (default: prom-client's global registry). */
  registry?: Registry;
}

const tracer = trace.getTracer('@omnibus/odoo-client');

/**
 * A typed client for Odoo's external API (16–19) over JSON-RPC, XML-RPC or JSON-2.
 *
 * Every call goes: retry (only what §2.5 calls retriable) → circuit breaker (opened by outages) →
 * concurrency limit (`maxConcurrent`, halved while Odoo answers 429/503: AdaptiveConcurrency) → rate limit (`maxCallsPerSecond`) → transport; it is traced (one CLIENT span per call) and timed.
 * Writes that end with an unknown outcome are not repeated here: see {@link OdooClient.createOnce}.
 */
export class OdooClient {
  readonly options: OdooClientOptions;
  private readonly http: OdooHttp;
  /** At most `maxConcurrent` calls in flight; the rest wait in order. */
  private readonly inFlight: AdaptiveConcurrency;
  private readonly rateLimit?: CallRateLimiter;
  /** Calls admitted to the transport, so close() lets them finish before closing the connections. */
  private readonly admitted = new Set<Promise<unknown>>();
  private readonly breaker: CircuitBreakerPolicy;
  private readonly retryTransient: RetryPolicy;
  private readonly retryReads: RetryPolicy;
  private readonly metrics: OdooClientMetrics;
  private connection?: Promise<{ info: OdooConnection; transport: OdooTransport }>;

  constructor(options: OdooClientOptionsInput, dependencies: OdooClientDependencies = {}) {
    const parsed = odooClientOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new OdooConfigurationError(`invalid Odoo client options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    this.options = parsed.data;
    const { maxConcurrent, maxCallsPerSecond, timeoutMs, keepAliveTimeoutMs, retry: retrySettings, circuit } = this.options;
    this.http = new OdooHttp(this.options.url, { connections: maxConcurrent, timeoutMs, keepAliveTimeoutMs });
    this.rateLimit = maxCallsPerSecond ? new CallRateLimiter(maxCallsPerSecond) : undefined;
    this.metrics = odooClientMetrics(dependencies.registry);
    this.inFlight = new AdaptiveConcurrency(maxConcurrent, (limit) => this.metrics.concurrencyLimit.set(limit));

    this.breaker = circuitBreaker(handleWhen(isOutage), {
      halfOpenAfter: circuit.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(circuit.consecutiveFailures),
    });
    this.breaker.onStateChange((state) => this.metrics.circuitOpen.set(state === CircuitState.Closed ? 0 : 1));

    const backoff = new ExponentialBackoff({ initialDelay: retrySettings.initialDelayMs, maxDelay: retrySettings.maxDelayMs });
    // Any call may be repeated after a transient failure: Odoo rolled back or never saw it.
    this.retryTransient = retry(
      handleWhen((error) => retryClassOf(error) === 'transient'),
      { maxAttempts: retrySettings.maxAttempts, backoff },
    );
    // Reads may also be repeated after an unknown outcome: they change nothing.
    this.retryReads = retry(
      handleWhen((error) => retryClassOf(error) !== 'permanent'),
      { maxAttempts: retrySettings.maxAttempts, backoff },
    );
  }

  // ------------------------------------------------------------------ connection and health

  /** Detects the server version, picks the transport and logs in (once; repeated after a failure). */
  async connect(): Promise<OdooConnection> {
    return (await this.connected()).info;
  }

  /**
   * Adds to the context every call carries (e.g. `allowed_company_ids` once the companies are known,
   * so multi-company record rules show all of them).
   */
  extendDefaultContext(context: OdooContext): void {
    this.options.context = { ...this.options.context, ...context };
  }

  /** True while the circuit is open or half-open: Odoo is considered down and calls are refused locally. */
  get circuitOpen(): boolean {
    return this.breaker.state !== CircuitState.Closed;
  }

  /** Called with `true` when the circuit opens and `false` when it closes again. */
  onCircuitChange(listener: (open: boolean) => void): { dispose(): void } {
    const onBreak = this.breaker.onBreak(() => listener(true));
    const onReset = this.breaker.onReset(() => listener(false));
    return { dispose: () => (onBreak.dispose(), onReset.dispose()) };
  }

  /**
   * A cheap authenticated call through the breaker. While the circuit is open, this is how a caller
   * finds out that Odoo is back (the trial call of the half-open state).
   */
  async probe(): Promise<void> {
    await this.search('res.partner', [['id', '=', 0]], { limit: 1 });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.admitted]);
    await this.http.close();
  }

  // ------------------------------------------------------------------ the one way to call Odoo

  async call<T = unknown>(call: OdooCall): Promise<T> {
    const context = { ...this.options.context, ...(call.context ?? {}) };
    const request: OdooCall = { ...call, context };
    const policy = isReadOnly(call) ? this.retryReads : this.retryTransient;
    return tracer.startActiveSpan(
      `odoo ${call.model}.${call.method}`,
      { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'odoo', 'rpc.service': call.model, 'rpc.method': call.method, 'odoo.ids': call.ids?.length ?? 0 } },
      async (span) => {
        const started = performance.now();
        let transportName: string = this.options.protocol;
        let previous: unknown;
        try {
          const result = await policy.execute(async ({ attempt }) => {
            if (attempt > 1) {
              this.metrics.retries.inc({ model: call.model, method: call.method, reason: (previous as Error)?.name ?? 'unknown' });
              span.addEvent('retry', { attempt, reason: String((previous as Error)?.message ?? '') });
            }
            try {
              return await this.breaker.execute(async () => {
                const { transport } = await this.connected();
                transportName = transport.name;
                return this.admit(() => transport.execute(request));
              });
            } catch (error) {
              previous = error;
              throw error;
            }
          });
          this.metrics.callDuration.observe({ transport: transportName, model: call.model, method: call.method, outcome: 'ok' }, (performance.now() - started) / 1000);
          span.setAttribute('odoo.transport', transportName);
          return result as T;
        } catch (raw) {
          const error = this.asOdooError(raw, call);
          this.metrics.callDuration.observe({ transport: transportName, model: call.model, method: call.method, outcome: error.name }, (performance.now() - started) / 1000);
          span.setAttribute('odoo.transport', transportName);
          span.recordException(error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  // ------------------------------------------------------------------ ORM methods (§3)

  searchRead<T extends OdooRecord = OdooRecord>(model: string, domain: OdooDomain, options: SearchOptions & { fields?: string[] } = {}): Promise<T[]> {
    const { context, ...params } = options;
    return this.call<T[]>({ model, method: 'search_read', params: { domain, ...params }, context });
  }

  search(model: string, domain: OdooDomain, options: SearchOptions = {}): Promise<number[]> {
    const { context, ...params } = options;
    return this.call<number[]>({ model, method: 'search', params: { domain, ...params }, context });
  }

  searchCount(model: string, domain: OdooDomain, options: { limit?: number; context?: OdooContext } = {}): Promise<number> {
    const { context, ...params } = options;
    return this.call<number>({ model, method: 'search_count', params: { domain, ...params }, context });
  }

  read<T extends OdooRecord = OdooRecord>(model: string, ids: number[], fields: string[], options: { load?: string | null; context?: OdooContext } = {}): Promise<T[]> {
    const { context, ...params } = options;
    return this.call<T[]>({ model, method: 'read', ids, params: { fields, ...params }, context });
  }

  /** Creates one record and returns its id (JSON-2 answers a list even for one; normalised here). */
  async create(model: string, values: OdooValues, options: { context?: OdooContext } = {}): Promise<number> {
    const result = await this.call<number | number[]>({ model, method: 'create', params: { vals_list: values }, context: options.context });
    return Array.isArray(result) ? result[0] : result;
  }

  /** Creates several records in one call (one transaction); ids come back in the order given. */
  async createMany(model: string, valuesList: OdooValues[], options: { context?: OdooContext } = {}): Promise<number[]> {
    if (valuesList.length === 0) return [];
    const result = await this.call<number | number[]>({ model, method: 'create', params: { vals_list: valuesList }, context: options.context });
    return Array.isArray(result) ? result : [result];
  }

  write(model: string, ids: number[], values: OdooValues, options: { context?: OdooContext } = {}): Promise<boolean> {
    return this.call<boolean>({ model, method: 'write', ids, params: { vals: values }, context: options.context });
  }

  unlink(model: string, ids: number[], options: { context?: OdooContext } = {}): Promise<boolean> {
    return this.call<boolean>({ model, method: 'unlink', ids, context: options.context });
  }

  fieldsGet(model: string, attributes: string[] = ['type', 'string', 'required', 'readonly', 'relation', 'selection']): Promise<Record<string, Record<string, unknown>>> {
    return this.call({ model, method: 'fields_get', params: { attributes } });
  }

  nameSearch(model: string, name: string, options: { domain?: OdooDomain; operator?: string; limit?: number; context?: OdooContext } = {}): Promise<Array<[number, string]>> {
    const { context, ...params } = options;
    return this.call({ model, method: 'name_search', params: { name, ...params }, context });
  }

  /** A business method on records, e.g. `sale.order.action_confirm`; `kwargs` are its named parameters. */
  callMethod<T = unknown>(model: string, method: string, ids: number[], options: { kwargs?: Record<string, unknown>; context?: OdooContext } = {}): Promise<T> {
    return this.call<T>({ model, method, ids, params: options.kwargs, context: options.context });
  }

  // ------------------------------------------------------------------ batching helpers (§6.3)

  /** Creates in batches of `batchSize` records per call (50–500 per §6.3); ids in input order. */
  async createInBatches(model: string, valuesList: OdooValues[], options: { batchSize?: number; context?: OdooContext } = {}): Promise<number[]> {
    const batchSize = options.batchSize ?? 200;
    const ids: number[] = [];
    for (let start = 0; start < valuesList.length; start += batchSize) {
      ids.push(...(await this.createMany(model, valuesList.slice(start, start + batchSize), { context: options.context })));
    }
    return ids;
  }

  /** Reads many ids in chunks, so one huge `read` does not hit Odoo's time limits. */
  async readInChunks<T extends OdooRecord = OdooRecord>(model: string, ids: number[], fields: string[], options: { chunkSize?: number; context?: OdooContext } = {}): Promise<T[]> {
    const chunkSize = options.chunkSize ?? 500;
    const records: T[] = [];
    for (let start = 0; start < ids.length; start += chunkSize) {
      records.push(...(await this.read<T>(model, ids.slice(start, start + chunkSize), fields, { context: options.context })));
    }
    return records;
  }

  /**
   * Every record matching `domain`, page by page in id order (keyset on `id`, not offset, so records
   * created meanwhile do not shift pages).
   */
  async *searchReadByIdPages<T extends OdooRecord = OdooRecord>(
    model: string,
    domain: OdooDomain,
    options: { fields: string[]; pageSize?: number; context?: OdooContext },
  ): AsyncGenerator<T[]> {
    const pageSize = options.pageSize ?? 500;
    let lastId = 0;
    for (;;) {
      const page = await this.searchRead<T>(model, [...domain, ['id', '>', lastId]], { fields: options.fields, limit: pageSize, order: 'id asc', context: options.context });
      if (page.length === 0) return;
      yield page;
      if (page.length < pageSize) return;
      lastId = page[page.length - 1].id;
    }
  }

  // ------------------------------------------------------------------ idempotent create (§6.1)

  /**
   * Creates a record at most once, keyed by our own reference stored in Odoo (e.g. `client_order_ref`,
   * `ref`): search by `reference` first, create only when nothing matches, and after an unknown
   * outcome (Odoo may have committed) search again before trying anything else.
   */
  async createOnce(
    model: string,
    input: {
      reference: OdooDomain;
      values: OdooValues;
      context?: OdooContext;
      maxAttempts?: number;
      /** The caller has just searched by `reference` and found nothing: skip the first search. */
      knownAbsent?: boolean;
    },
  ): Promise<{ id: number; created: boolean }> {
    const maxAttempts = input.maxAttempts ?? this.options.retry.maxAttempts + 1;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1 || !input.knownAbsent) {
        const [existing] = await this.search(model, input.reference, { limit: 1, order: 'id asc', context: { active_test: false, ...input.context } });
        if (existing !== undefined) return { id: existing, created: false };
      }
      try {
        return { id: await this.create(model, input.values, { context: input.context }), created: true };
      } catch (error) {
        if (!(error instanceof OdooUnknownOutcomeError) || attempt >= maxAttempts) throw error;
        await delay(Math.min(this.options.retry.initialDelayMs * 2 ** (attempt - 1), this.options.retry.maxDelayMs));
      }
    }
  }

  // ------------------------------------------------------------------ internals

  /** Waits for a free slot (fewer while Odoo says it is full; and, with a rate limit, for its turn), then runs the call. */
  private admit<T>(execute: () => Promise<T>): Promise<T> {
    const run = this.inFlight.run(async () => {
      await this.rateLimit?.take();
      return execute();
    }, isOdooFull);
    this.admitted.add(run);
    run.then(
      () => this.admitted.delete(run),
      () => this.admitted.delete(run),
    );
    return run;
  }

  private connected(): Promise<{ info: OdooConnection; transport: OdooTransport }> {
    if (!this.connection) {
      this.connection = this.establish();
      this.connection.catch(() => (this.connection = undefined));
    }
    return this.connection;
  }

  private async establish(): Promise<{ info: OdooConnection; transport: OdooTransport }> {
    const version = this.options.version !== undefined ? { major: this.options.version, minor: 0, label: `${this.options.version}.0` } : await this.detectVersion();
    const transport = this.transportFor(version);
    const uid = await transport.authenticate();
    return { info: { version, transport: transport.name, uid }, transport };
  }

  /** `GET /web/version` (19, also newer 16–18) and `common.version` over JSON-RPC otherwise (§1.2, §1.7). */
  async detectVersion(): Promise<OdooServerVersion> {
    try {
      const reply = await this.http.request('GET', '/web/version');
      if (reply.status === 200) return parseServerVersion(JSON.parse(reply.text));
    } catch {
      // Not every version serves it; fall through to the RPC probe, which maps network errors properly.
    }
    const reply = await this.http.request('POST', '/jsonrpc', JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 0, params: { service: 'common', method: 'version', args: [] } }), {
      'content-type': 'application/json',
    }).catch((error) => {
      throw mapNetworkError(error, 'jsonrpc', { method: 'common.version' });
    });
    return parseServerVersion(decodeJsonRpcReply(reply, { method: 'common.version' }));
  }

  private transportFor(version: OdooServerVersion): OdooTransport {
    const { protocol, apiKey, password, database, login, userAgent } = this.options;
    const secret = (apiKey ?? password) as string;
    const chosen = protocol === 'auto' ? (version.major >= 19 && apiKey ? 'json2' : 'jsonrpc') : protocol;
    switch (chosen) {
      case 'json2':
        if (version.major < 19) throw new OdooConfigurationError(`JSON-2 needs Odoo 19 or later; the server is ${version.label}`);
        return new Json2Transport(this.http, { database, apiKey: apiKey as string, userAgent }, version.major);
      case 'xmlrpc':
        return new XmlRpcTransport(this.http, { database, login, secret }, version.major);
      default:
        return new JsonRpcTransport(this.http, { database, login, secret }, version.major);
    }
  }

  private asOdooError(error: unknown, call: Pick<OdooCall, 'model' | 'method'>): Error {
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      return new OdooCircuitOpenError(`Odoo circuit open: calls refused until Odoo answers again (${call.model}.${call.method})`, {
        model: call.model,
        method: call.method,
        cause: error,
      });
    }
    if (error instanceof OdooError) {
      error.model ??= call.model;
      error.method ??= call.method;
      return error;
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Odoo has no worker free: its front end answers 429, or 503 when every worker is busy. */
function isOdooFull(error: unknown): boolean {
  return error instanceof OdooError && (error.httpStatus === 429 || error.httpStatus === 503);
}

import { DependencyUnavailableError } from '@omnibus/messaging';
import { metricsRegistry } from '@omnibus/observability';
import { OdooClient, OdooConnection, OdooError } from '@omnibus/odoo-client';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import YAML from 'yaml';
import type { OdooAdapterConfig } from '../config';
import { Mapping, MappingError, parseMapping, resolveMapping, ResolvedMapping } from '../mapping/mapping';

/** What the adapter knows about the Odoo it talks to once connected. */
export interface OdooSession {
  connection: OdooConnection;
  mapping: ResolvedMapping;
  /** Stored fields per model (`fields_get`), to pick each version's dialect. */
  fields: Map<string, Set<string>>;
  /** The subset of `wanted` this server has on `model`. */
  availableFields(model: string, wanted: string[]): string[];
}

const INTROSPECTED_MODELS = ['product.product', 'product.pricelist.item', 'res.partner', 'stock.picking', 'stock.move', 'sale.order.line'];

export function odooClientFor(config: OdooAdapterConfig): OdooClient {
  return new OdooClient(
    {
      url: config.ODOO_URL,
      database: config.ODOO_DATABASE,
      login: config.ODOO_LOGIN,
      password: config.ODOO_PASSWORD,
      apiKey: config.ODOO_API_KEY,
      protocol: config.ODOO_PROTOCOL,
      version: config.ODOO_VERSION,
      timeoutMs: config.ODOO_TIMEOUT_MS,
      maxConcurrent: config.ODOO_MAX_CONCURRENT,
      maxCallsPerSecond: config.ODOO_MAX_CALLS_PER_SECOND || undefined,
      retry: { maxAttempts: config.ODOO_RETRY_MAX_ATTEMPTS, initialDelayMs: config.ODOO_RETRY_INITIAL_DELAY_MS },
      circuit: { consecutiveFailures: config.ODOO_CIRCUIT_FAILURES, halfOpenAfterMs: config.ODOO_CIRCUIT_HALF_OPEN_MS },
      userAgent: 'omnibus-odoo-adapter',
    },
    { registry: metricsRegistry },
  );
}

export function loadMappingFile(file: string): Mapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MappingError([`cannot read ODOO_MAPPING_FILE ${file}: ${(error as Error).message}`]);
  }
  return parseMapping(YAML.parse(text));
}

/**
 * The Odoo side of the adapter: the client, and the session (version, resolved mapping, dialect)
 * established once Odoo answers. The mapping's shape is checked at construction (a bad file stops
 * start-up); names and codes are checked against Odoo on connecting — wrong ones stop start-up too,
 * while an Odoo that is merely down is waited for in the background.
 */
export class OdooRuntime {
  private session?: OdooSession;
  private readonly changeListeners: Array<(model: string, records: Array<{ id: number }>) => void> = [];
  private connecting?: Promise<OdooSession>;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    readonly client: OdooClient,
    private readonly mapping: Mapping,
    private readonly logger: Logger,
  ) {}

  /** Odoo records the inbound sync read because they changed: caches of ids (OdooDirectory) drop them. */
  recordsChanged(model: string, records: Array<{ id: number }>): void {
    for (const listener of this.changeListeners) listener(model, records);
  }

  onRecordsChanged(listener: (model: string, records: Array<{ id: number }>) => void): void {
    this.changeListeners.push(listener);
  }

  /** Connects once at start-up: a wrong mapping throws (the service stops), an unreachable Odoo does not. */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      if (error instanceof MappingError || !(error instanceof OdooError) || error.retryClass === 'permanent') throw error;
      this.logger.warn({ err: error }, 'Odoo is not reachable yet; the adapter keeps trying and waits with sync and commands');
      this.retryInBackground();
    }
  }

  /** The session, or DependencyUnavailableError while Odoo has not answered yet (consumers wait). */
  async ready(): Promise<OdooSession> {
    if (this.session) return this.session;
    try {
      return await this.connect();
    } catch (error) {
      if (error instanceof MappingError) throw error;
      throw new DependencyUnavailableError(`Odoo is not reachable: ${(error as Error).message}`, { cause: error });
    }
  }

  get connected(): OdooSession | undefined {
    return this.session;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.client.close();
  }

  private connect(): Promise<OdooSession> {
    this.connecting ??= this.establish().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async establish(): Promise<OdooSession> {
    const connection = await this.client.connect();
    const mapping = await resolveMapping(this.client, this.mapping, connection.version.major);
    const fields = new Map<string, Set<string>>();
    for (const model of INTROSPECTED_MODELS) {
      fields.set(model, new Set(Object.keys(await this.client.fieldsGet(model, ['type']))));
    }
    this.session = {
      connection,
      mapping,
      fields,
      availableFields: (model, wanted) => {
        const known = fields.get(model);
        return known ? wanted.filter((field) => known.has(field)) : wanted;
      },
    };
    this.logger.info({ odoo: connection.version.label, transport: connection.transport, uid: connection.uid }, 'connected to Odoo');
    return this.session;
  }

  private retryInBackground(): void {
    if (this.closed || this.session) return;
    this.timer = setTimeout(() => {
      this.connect().catch((error: unknown) => {
        if (error instanceof MappingError) this.logger.error({ err: error }, 'the Odoo mapping does not match Odoo');
        this.retryInBackground();
      });
    }, 2_000);
    this.timer.unref();
  }
}

import type { EventOutbox } from '@omnibus/messaging';
import { OdooClient, OdooRecord, readChangesSince, ChangeCursor } from '@omnibus/odoo-client';
import { Histogram, Counter } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { InboundFact, InboundStream, StreamName } from './streams';
import { advanceCursor, knownKeys, readCursor, recordChangedFacts } from './sync-store';

export type InboundSource = 'poll' | 'webhook' | 'resync';

export interface InboundSyncSettings {
  /** Poll interval per model (ms); stock is polled fastest. */
  pollIntervalMs: Record<StreamName, number>;
  /** Seconds re-read before the cursor on every poll (records rewritten within the same second). */
  overlapSeconds: number;
  /** A wider re-read now and then, for transactions that commit long after their write_date. */
  sweepWindowSeconds: number;
  sweepIntervalMs: number;
  pageSize: number;
  /** Told of every page of changed records read, before they become facts. */
  onRecords?: (model: StreamName, records: OdooRecord[]) => void;
}

export interface InboundMetrics {
  stockFreshness: Histogram<'source'>;
  events: Counter<'kind' | 'source'>;
}

/**
 * Turns Odoo changes into canonical events. Every path — poll, webhook hint, full re-sync — commits
 * each page in one transaction: content hashes (only changed facts publish), the events in the outbox,
 * and for polls the cursor.
 */
export class InboundSync {
  private readonly streams: Map<StreamName, InboundStream>;
  private readonly running = new Set<Promise<void>>();
  private stopping = false;
  private readonly lastSweep = new Map<StreamName, number>();
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly odoo: OdooClient,
    private readonly dataSource: DataSource,
    private readonly outbox: EventOutbox,
    streams: InboundStream[],
    private readonly settings: InboundSyncSettings,
    private readonly metrics: InboundMetrics,
    private readonly logger: Logger,
  ) {
    this.streams = new Map(streams.map((stream) => [stream.model, stream]));
  }

  stream(model: string): InboundStream | undefined {
    return this.streams.get(model as StreamName);
  }

  /** Starts one poll loop per model. */
  start(): void {
    this.stopping = false;
    for (const stream of this.streams.values()) {
      const loop = this.pollLoop(stream);
      this.running.add(loop);
      void loop.finally(() => this.running.delete(loop));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.sleepers) wake();
    await Promise.allSettled([...this.running]);
  }

  private async pollLoop(stream: InboundStream): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.poll(stream.model);
        failures = 0;
      } catch (error) {
        failures++;
        // While Odoo is down the circuit answers at once: back off instead of spinning.
        if (failures === 1 || failures % 50 === 0) this.logger.warn({ err: error, model: stream.model, failures }, 'polling Odoo failed');
      }
      const wait = this.settings.pollIntervalMs[stream.model] * Math.min(2 ** Math.min(failures, 5), 32);
      await this.sleep(wait);
    }
  }

  /** One incremental read of a model from its cursor (plus the overlap window). Returns events published. */
  async poll(model: StreamName): Promise<number> {
    const stream = this.streams.get(model);
    if (!stream) throw new Error(`no inbound stream for ${model}`);
    const cursor = await readCursor(this.dataSource.manager, model);
    const sweep = Date.now() - (this.lastSweep.get(model) ?? 0) >= this.settings.sweepIntervalMs;
    if (sweep) this.lastSweep.set(model, Date.now());
    let published = 0;
    for await (const page of readChangesSince(this.odoo, model, {
      cursor,
      overlapSeconds: sweep ? this.settings.sweepWindowSeconds : this.settings.overlapSeconds,
      domain: stream.domain(),
      fields: stream.fields,
      pageSize: this.settings.pageSize,
    })) {
      published += await this.apply(stream, page.records, 'poll', page.cursor);
      // Shutting down: the cursor is committed with each page, the next start goes on from there.
      if (this.stopping) break;
    }
    return published;
  }

  /** Webhook hints: Odoo said these records changed; read them and publish what did. */
  async applyHints(model: StreamName, ids: number[], hintedTimes?: Map<number, Date>, hintedFields?: Map<number, Record<string, unknown>>): Promise<number> {
    const stream = this.streams.get(model);
    if (!stream || ids.length === 0) return 0;
    const records = quantsNamedByHints(model, ids, hintedFields) ??
      // search_read (not read): a record deleted since the hint is simply absent, not an error.
      (await this.odoo.searchRead(model, [['id', 'in', ids]], { fields: [...stream.fields, 'write_date'], context: { active_test: false } }));
    return this.apply(stream, records, 'webhook', undefined, hintedTimes);
  }

  /**
   * The batch job: every record of every model, page by page, through the same de-duplication (so only
   * what drifted is published); stock positions we published that Odoo no longer has drop to zero.
   */
  async fullResync(): Promise<{ published: number }> {
    let published = 0;
    const seenStockKeys = new Set<string>();
    for (const stream of this.streams.values()) {
      if (stream.model === 'product.template') continue; // variants carry everything
      for await (const page of this.odoo.searchReadByIdPages(stream.model, stream.domain(), {
        fields: [...stream.fields, 'write_date'],
        pageSize: this.settings.pageSize,
        context: { active_test: false },
      })) {
        published += await this.apply(stream, page, 'resync', undefined, undefined, (facts) => {
          for (const fact of facts) if (fact.kind === 'stock' && !fact.onlyIfKnown) seenStockKeys.add(fact.key);
        });
      }
    }
    const stock = this.streams.get('stock.quant');
    const vanished = (await knownKeys(this.dataSource.manager, 'stock')).filter((key) => !seenStockKeys.has(key));
    if (stock?.vanished && vanished.length > 0) {
      this.logger.info({ positions: vanished.length }, 'stock positions no longer in Odoo: publishing them as zero');
      published += await this.commit(stock, stock.vanished(vanished, new Date()), 'resync');
    }
    return { published };
  }

  private async apply(
    stream: InboundStream,
    records: OdooRecord[],
    source: InboundSource,
    cursor?: ChangeCursor,
    hintedTimes?: Map<number, Date>,
    inspect?: (facts: InboundFact[]) => void,
  ): Promise<number> {
    if (records.length > 0) this.settings.onRecords?.(stream.model, records);
    const facts = records.length > 0 ? await stream.factsOf(records, new Date(), hintedTimes) : [];
    inspect?.(facts);
    return this.commit(stream, facts, source, cursor);
  }

  private async commit(stream: InboundStream, facts: InboundFact[], source: InboundSource, cursor?: ChangeCursor): Promise<number> {
    const changed = await withConcurrencyRetry(() =>
      this.dataSource.transaction(async (manager: EntityManager) => {
        const fresh = await recordChangedFacts(manager, facts);
        if (fresh.length > 0) await this.outbox.stage(manager, fresh.map((fact) => fact.event));
        if (cursor) await advanceCursor(manager, stream.model, cursor);
        return fresh;
      }),
    );
    const committedAt = Date.now();
    for (const fact of changed) {
      this.metrics.events.inc({ kind: fact.kind, source });
      if (fact.kind === 'stock') this.metrics.stockFreshness.observe({ source }, Math.max(0, committedAt - fact.observedAt.getTime()) / 1000);
    }
    return changed.length;
  }

  /** A pause between polls that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

/** PostgreSQL serialization failures and deadlocks roll the transaction back: run it again. */
async function withConcurrencyRetry<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
      if ((code !== '40001' && code !== '40P01') || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}

/**
 * A stock position is re-read whole from Odoo anyway (every quant of the product), so a quant webhook
 * that names its product saves the read of the quant itself: one Odoo call less on the freshest path.
 */
function quantsNamedByHints(model: StreamName, ids: number[], fields?: Map<number, Record<string, unknown>>): OdooRecord[] | undefined {
  if (model !== 'stock.quant' || !fields) return undefined;
  const records: OdooRecord[] = [];
  for (const id of ids) {
    const hint = fields.get(id);
    const productId = Array.isArray(hint?.product_id) ? hint.product_id[0] : hint?.product_id;
    if (typeof productId !== 'number' || typeof hint?.write_date !== 'string') return undefined;
    records.push({ id, product_id: productId, write_date: hint.write_date });
  }
  return records;
}

import type { Logger } from 'pino';

export type ApplyHints = (model: string, ids: number[], hintedTimes: Map<number, Date>, hintedFields: Map<number, Record<string, unknown>>) => Promise<unknown>;

/**
 * Webhooks are hints, not a log (§5.2: no retry, 1 s timeout): we answer Odoo at once and re-read the
 * records through the API. Hints arriving within `batchMs` of each other share one read.
 * A hint lost here (crash, Odoo down) is not lost for good: polling reads the change anyway.
 */
export class WebhookHints {
  private readonly pending = new Map<string, Map<number, { at?: Date; fields?: Record<string, unknown> }>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly apply: ApplyHints,
    private readonly batchMs: number,
    private readonly logger: Logger,
    private readonly maxBatch = 200,
  ) {}

  /** `fields`: what the webhook carried about the record (Odoo sends the rule's selected fields). */
  add(model: string, id: number, changedAt?: Date, fields?: Record<string, unknown>): void {
    let ids = this.pending.get(model);
    if (!ids) this.pending.set(model, (ids = new Map()));
    const known = ids.get(id);
    if (!known || !known.at || (changedAt && changedAt > known.at)) ids.set(id, { at: changedAt, fields });
    if (ids.size >= this.maxBatch || this.batchMs === 0) return this.flush(model);
    if (!this.timers.has(model)) this.timers.set(model, setTimeout(() => this.flush(model), this.batchMs));
  }

  /** Waits for hints being applied (shutdown, tests). */
  async drain(): Promise<void> {
    for (const model of [...this.pending.keys()]) this.flush(model);
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(model: string): void {
    const timer = this.timers.get(model);
    if (timer) clearTimeout(timer);
    this.timers.delete(model);
    const ids = this.pending.get(model);
    this.pending.delete(model);
    if (!ids || ids.size === 0) return;
    const times = new Map<number, Date>();
    const fields = new Map<number, Record<string, unknown>>();
    for (const [id, hint] of ids) {
      if (hint.at) times.set(id, hint.at);
      if (hint.fields) fields.set(id, hint.fields);
    }
    const run = this.apply(model, [...ids.keys()], times, fields)
      .then(() => undefined)
      .catch((error: unknown) => this.logger.warn({ err: error, model, records: ids.size }, 'applying Odoo webhook hints failed; polling will pick the changes up'));
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }
}

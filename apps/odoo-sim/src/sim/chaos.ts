import { z } from 'zod';

/**
 * Operational behaviour of a real Odoo under load, on demand: latency, proxy 5xx, killed workers
 * (connection dropped before or after commit), exhausted serialization retries, IntegrityError,
 * slow commits (write_date visible late), and a bounded pool of HTTP workers.
 */

export const FAULT_KINDS = [
  'latency',
  'http_error',
  'drop_before_commit',
  'drop_after_commit',
  'serialization_failure',
  'integrity_error',
  'lock_error',
  'commit_delay',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultSpecSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    /** Applies to the next N matching calls. Default 1 unless a probability is given. */
    times: z.number().int().positive().optional(),
    /** Applies to each matching call with this probability (0..1). */
    probability: z.number().min(0).max(1).optional(),
    model: z.string().optional(),
    method: z.string().optional(),
    transport: z.enum(['xmlrpc', 'jsonrpc', 'web', 'json2']).optional(),
    /** latency / serialization retry wait (ms). */
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    /** http_error status (default 502). */
    status: z.number().int().min(500).max(599).optional(),
    /** commit_delay: how long the transaction stays open after it started (ms). */
    delayMs: z.number().int().min(0).max(120_000).optional(),
    /** serialization_failure: server-side retries needed; 5 or more = exhausted (default 5). */
    retries: z.number().int().min(0).max(10).optional(),
  })
  .strict();
export type FaultSpec = z.infer<typeof faultSpecSchema>;

export interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number | null;
  hits: number;
}

export interface CallTarget {
  transport: string;
  service: string;
  method: string;
  model?: string;
  modelMethod?: string;
}

export class FaultInjector {
  private nextId = 1;
  readonly faults: ActiveFault[] = [];
  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultSpec): ActiveFault {
    const remaining = spec.times ?? (spec.probability === undefined ? 1 : null);
    const fault: ActiveFault = { ...spec, id: this.nextId++, remaining, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  remove(id: number): boolean {
    const index = this.faults.findIndex((f) => f.id === id);
    if (index < 0) return false;
    this.faults.splice(index, 1);
    return true;
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The faults that hit this call (each consumes one of its `times`). */
  draw(target: CallTarget): ActiveFault[] {
    const hits: ActiveFault[] = [];
    for (const fault of [...this.faults]) {
      if (fault.model && fault.model !== target.model) continue;
      if (fault.method && fault.method !== (target.modelMethod ?? target.method)) continue;
      if (fault.transport && fault.transport !== target.transport) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      fault.hits += 1;
      if (fault.remaining !== null) {
        fault.remaining -= 1;
        if (fault.remaining <= 0) this.remove(fault.id);
      }
      hits.push(fault);
    }
    return hits;
  }
}

/** Odoo's HTTP workers: at most N calls run at once, the rest wait in line. */
export class WorkerPool {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(public limit: number | null = null) {}

  get queued(): number {
    return this.waiting.length;
  }

  get busy(): number {
    return this.running;
  }

  setLimit(limit: number | null): void {
    this.limit = limit;
    this.drain();
  }

  async acquire(): Promise<() => void> {
    if (this.limit === null || this.running < this.limit) {
      this.running += 1;
      return () => this.release();
    }
    // drain() counts the slot as taken before waking us, so two waiters never get one slot.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return () => this.release();
  }

  private release(): void {
    this.running -= 1;
    this.drain();
  }

  private drain(): void {
    while (this.waiting.length && (this.limit === null || this.running < this.limit)) {
      const next = this.waiting.shift() as () => void;
      this.running += 1;
      next();
    }
  }
}

export type CallOutcome = 'ok' | 'error' | 'http_error' | 'dropped_before_commit' | 'dropped_after_commit';

export interface CallRecord {
  seq: number;
  at: string;
  transport: string;
  service: string;
  method: string;
  model: string | null;
  modelMethod: string | null;
  uid: number | null;
  outcome: CallOutcome;
  committed: boolean;
  error: string | null;
  faults: FaultKind[];
  durationMs: number;
  /** Ids a create returned, for "exactly one sale.order was created" assertions. */
  createdIds: number[] | null;
}

export class CallLog {
  private seq = 0;
  readonly records: CallRecord[] = [];
  constructor(private readonly capacity = 10_000) {}

  add(record: Omit<CallRecord, 'seq'>): CallRecord {
    const full = { ...record, seq: ++this.seq };
    this.records.push(full);
    if (this.records.length > this.capacity) this.records.shift();
    return full;
  }

  clear(): void {
    this.records.length = 0;
  }

  query(filter: Partial<Record<'transport' | 'model' | 'method' | 'modelMethod' | 'outcome', string>> & { committed?: boolean; sinceSeq?: number }): CallRecord[] {
    return this.records.filter(
      (r) =>
        (!filter.transport || r.transport === filter.transport) &&
        (!filter.model || r.model === filter.model) &&
        (!filter.modelMethod || r.modelMethod === filter.modelMethod) &&
        (!filter.method || r.method === filter.method || r.modelMethod === filter.method) &&
        (!filter.outcome || r.outcome === filter.outcome) &&
        (filter.committed === undefined || r.committed === filter.committed) &&
        (filter.sinceSeq === undefined || r.seq > filter.sinceSeq),
    );
  }
}

/**
 * How many calls may be in Odoo at once: at most `max` (the configured ODOO_MAX_CONCURRENT, meant to
 * match Odoo's workers), halved each time Odoo says it is full (429 from its front end, 503 when no
 * worker is free), grown back by one after as many successful calls as the limit. So a client set too
 * high finds Odoo's real capacity instead of queueing on it. Our own: cockatiel's bulkhead (used before)
 * has a fixed size, and no library we use adapts one.
 */
export class AdaptiveConcurrency {
  private active = 0;
  private successes = 0;
  private readonly waiting: Array<() => void> = [];
  private current: number;

  constructor(
    readonly max: number,
    private readonly onLimit: (limit: number) => void = () => undefined,
  ) {
    this.current = max;
    onLimit(max);
  }

  get limit(): number {
    return this.current;
  }

  get inFlight(): number {
    return this.active;
  }

  async run<T>(work: () => Promise<T>, isOverload: (error: unknown) => boolean): Promise<T> {
    if (this.active < this.current && this.waiting.length === 0) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is taken for us in release()
    try {
      const result = await work();
      this.succeeded();
      return result;
    } catch (error) {
      if (isOverload(error)) this.overloaded();
      throw error;
    } finally {
      this.active--;
      this.release();
    }
  }

  private overloaded(): void {
    const next = Math.max(1, Math.floor(this.current / 2));
    this.successes = 0;
    if (next !== this.current) this.onLimit((this.current = next));
  }

  private succeeded(): void {
    if (this.current >= this.max || ++this.successes < this.current) return;
    this.successes = 0;
    this.onLimit(++this.current);
  }

  /** Hands free slots to waiting calls, in arrival order. */
  private release(): void {
    while (this.active < this.current && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()!();
    }
  }
}

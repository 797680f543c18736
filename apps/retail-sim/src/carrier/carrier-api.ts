import { SimAnswer } from '../idempotency';
import { WebhookSender, WebhookTarget } from '../webhooks/webhook-sender';
import { Carrier, Milestone, MilestoneRecord } from './shipments';

export const DEV_CARRIER_KEY = 'ck_test_omnibus_dev';

export interface CarrierOptions {
  /** The key shippers send as `Authorization: Bearer <key>` (its own, not the gateway's). */
  key: string;
  /** Between two auto milestones. */
  stepMs: number;
  exceptionRate: number;
  /** Where the carrier's signed `shipment.*` webhooks go; none: no webhooks. */
  webhook?: WebhookTarget | null;
}

/**
 * The carrier over HTTP (`/carrier/v1`): books shipments, moves auto ones along by its own clock, and
 * tells the shipper of every milestone by a signed webhook — one shipment's milestones in order, each
 * waiting for the delivery of the one before.
 */
export class CarrierApi {
  readonly carrier: Carrier;
  private readonly webhooks: WebhookSender;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The last delivery of each shipment's milestones, the next one waits for it. */
  private readonly lastDelivery = new Map<string, Promise<void>>();

  constructor(
    private readonly options: CarrierOptions,
    baseUrl: () => string,
  ) {
    this.carrier = new Carrier({ exceptionRate: options.exceptionRate, baseUrl });
    this.webhooks = new WebhookSender(options.webhook ?? null);
  }

  authorised(authorization: string | undefined): boolean {
    return authorization === `Bearer ${this.options.key}`;
  }

  /** Answers a call under `/carrier/v1`; undefined for a path it does not know. */
  route(method: string, parts: string[], body: Record<string, unknown> | undefined, idempotencyKey: string | undefined): SimAnswer | undefined {
    // parts: carrier, v1, shipments, id, events
    if (parts[2] !== 'shipments') return undefined;
    if (method === 'POST' && parts.length === 3) {
      const { answer, plan } = this.carrier.book(idempotencyKey, body ?? {});
      if (plan.length) this.drive((answer.body as { id: string }).id, plan);
      return answer;
    }
    if (method === 'GET' && parts.length === 4) return this.carrier.retrieve(parts[3]);
    if (method === 'POST' && parts.length === 5 && parts[4] === 'events') return this.move(parts[3], body ?? {});
    return undefined;
  }

  /** Stops the carrier's clock and waits for the webhooks in flight. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.webhooks.drain();
  }

  private move(id: string, body: { type?: unknown; exception?: unknown }): SimAnswer {
    const { answer, milestone } = this.carrier.record(id, body);
    if (milestone) this.notify(milestone);
    return answer;
  }

  /**
   * The first milestone right after the answer, each next one a step after the one before; stops when
   * the shipment no longer moves (e.g. moved by hand to its end).
   */
  private drive(id: string, [type, ...rest]: Milestone[], delayMs = 0): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const { milestone } = this.carrier.record(id, { type });
      if (!milestone) return;
      this.notify(milestone);
      if (rest.length) this.drive(id, rest, this.options.stepMs);
    }, delayMs);
    this.timers.add(timer);
  }

  private notify({ shipment, occurredAt }: MilestoneRecord): void {
    const after = this.lastDelivery.get(shipment.id);
    const delivery = this.webhooks.send(`shipment.${shipment.status}`, shipment, { data: { occurred_at: occurredAt }, after });
    this.lastDelivery.set(shipment.id, delivery);
    void delivery.then(() => {
      if (this.lastDelivery.get(shipment.id) === delivery) this.lastDelivery.delete(shipment.id);
    });
  }
}

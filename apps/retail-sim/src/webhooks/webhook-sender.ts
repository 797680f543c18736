import { createHmac, randomUUID } from 'node:crypto';

/**
 * Signed webhooks back to the merchant, per Standard Webhooks: `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` keyed
 * with the base64 part of the `whsec_` secret. Sent after the API answer, retried a few times on
 * failure with the same id (the receiver deduplicates by it), as a real gateway does.
 */
export interface WebhookTarget {
  url: string;
  secret: string;
}

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export class WebhookSender {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly target: WebhookTarget | null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Queues `type` with `object` as `data.object` (Stripe's event shape), plus any `data` fields of the
   * caller's (the carrier's `occurred_at`). Delivered after `after` settles when given — how one
   * shipment's milestones keep their order. Resolves when this delivery is done (or given up).
   */
  send(type: string, object: unknown, { data = {}, after }: { data?: Record<string, unknown>; after?: Promise<unknown> } = {}): Promise<void> {
    if (!this.target) return Promise.resolve();
    const target = this.target;
    const event = { id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type, created: Math.floor(this.now().getTime() / 1000), data: { object, ...data } };
    const delivery: Promise<void> = (after ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.deliver(target, event))
      .finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
    return delivery;
  }

  /** Waits for the deliveries in flight (for a clean shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async deliver(target: WebhookTarget, event: { id: string }): Promise<void> {
    const body = JSON.stringify(event);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const timestamp = Math.floor(this.now().getTime() / 1000);
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': event.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature(target.secret, event.id, timestamp, body) },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        if (response.status < 500) return; // delivered (a 4xx is the receiver's final word)
      } catch {
        // unreachable receiver: try again
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}

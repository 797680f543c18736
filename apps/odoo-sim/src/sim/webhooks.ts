import { randomUUID } from 'node:crypto';
import type { Env, RecordEvent } from '../orm/env';
import { write } from '../orm/orm';
import { datetimeToPythonStr } from '../orm/time';
import type { FieldDef, Row } from '../orm/types';
import { rawValue } from '../orm/values';
import { PyFloat, pyJsonDumps } from '../wire/py-values';

/**
 * Automation rules (base.automation) with a "Send Webhook Notification" action (17+): one POST per record,
 * after commit, JSON with sorted keys (_action, _id, _model + the selected fields read with load=None),
 * 1 second timeout, no retry, no signature. And incoming "On webhook" rules at /web/hook/<uuid>.
 */

export type WebhookTrigger = 'on_create' | 'on_write' | 'on_create_or_write' | 'on_unlink';

export interface OutgoingWebhookRule {
  id: number;
  actionId: number;
  name: string;
  model: string;
  trigger: WebhookTrigger;
  /** Fields sent besides _action/_id/_model. */
  fields: string[];
  /** on_write: only fire when one of these fields is written (Odoo's trigger_field_ids). */
  triggerFields: string[];
  url: string;
  active: boolean;
}

export interface WebhookDelivery {
  ruleId: number;
  url: string;
  body: string;
  sentAt: string;
  status: number | null;
  error: string | null;
}

export interface IncomingWebhookRule {
  uuid: string;
  name: string;
  model: string;
  /** Values written on the target record (as superuser) each time the hook is called. */
  writeVals: Record<string, unknown> | null;
}

export interface IncomingCall {
  uuid: string;
  payload: Record<string, unknown>;
  status: number;
  at: string;
}

/** A field's value as read with load=None, as the webhook payload shows it. */
function payloadValue(env: Env, field: FieldDef, value: unknown): unknown {
  switch (field.type) {
    case 'many2one':
      return value || false;
    case 'one2many':
    case 'many2many':
      return Array.isArray(value) ? value : [];
    case 'datetime':
      return value ? datetimeToPythonStr(value as string) : false;
    case 'float':
    case 'monetary':
      return new PyFloat(typeof value === 'number' ? value : 0);
    case 'integer':
      return typeof value === 'number' ? value : 0;
    case 'boolean':
      return Boolean(value);
    default:
      return value === '' || value === null || value === undefined ? false : value;
  }
}

export class Automation {
  private nextRuleId = 1;
  private nextActionId = 1001;
  readonly outgoing = new Map<number, OutgoingWebhookRule>();
  readonly incoming = new Map<string, IncomingWebhookRule>();
  readonly deliveries: WebhookDelivery[] = [];
  readonly incomingCalls: IncomingCall[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** How a notification leaves: an HTTP POST with a 1 s timeout; unit tests swap it for a recorder. */
  post: (url: string, body: string) => Promise<number> = async (url, body) => {
    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  };

  addOutgoing(rule: Omit<OutgoingWebhookRule, 'id' | 'actionId' | 'active' | 'triggerFields'> & { triggerFields?: string[]; active?: boolean }): OutgoingWebhookRule {
    const created: OutgoingWebhookRule = {
      triggerFields: [],
      active: true,
      ...rule,
      id: this.nextRuleId++,
      actionId: this.nextActionId++,
    };
    this.outgoing.set(created.id, created);
    return created;
  }

  removeOutgoing(id: number): boolean {
    return this.outgoing.delete(id);
  }

  addIncoming(rule: Omit<IncomingWebhookRule, 'uuid'>): IncomingWebhookRule {
    const created = { ...rule, uuid: randomUUID() };
    this.incoming.set(created.uuid, created);
    return created;
  }

  clearIncomingLog(): void {
    this.incomingCalls.length = 0;
  }

  /** Waits for webhook POSTs still in flight (tests and graceful shutdown). */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  onRecordEvent(env: Env, event: RecordEvent): void {
    for (const rule of this.outgoing.values()) {
      if (!rule.active || rule.model !== event.model) continue;
      const fires =
        (event.kind === 'create' && (rule.trigger === 'on_create' || rule.trigger === 'on_create_or_write')) ||
        (event.kind === 'write' &&
          (rule.trigger === 'on_write' || rule.trigger === 'on_create_or_write') &&
          (rule.triggerFields.length === 0 || rule.triggerFields.some((f) => event.fields.includes(f)))) ||
        (event.kind === 'unlink' && rule.trigger === 'on_unlink');
      if (!fires) continue;
      const txn = env.db.inTransaction;
      if (!txn) continue;
      for (const id of event.ids) {
        const row = env.db.get(event.model, id);
        if (!row) continue;
        // The payload is built inside the transaction; the POST waits for the commit.
        const body = this.payload(env, rule, row);
        txn.postCommit.push(() => this.send(rule, body));
      }
    }
  }

  private payload(env: Env, rule: OutgoingWebhookRule, row: Row): string {
    const model = env.model(rule.model);
    const payload: Record<string, unknown> = { _action: `${rule.name}(#${rule.actionId})`, _id: row.id, _model: rule.model };
    for (const fname of rule.fields) {
      const field = model.fields.get(fname);
      if (!field) continue;
      payload[fname] = payloadValue(env, field, rawValue(env, model, row, fname));
    }
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(payload).sort()) sorted[key] = payload[key];
    return pyJsonDumps(sorted);
  }

  private send(rule: OutgoingWebhookRule, body: string): void {
    const delivery: WebhookDelivery = { ruleId: rule.id, url: rule.url, body, sentAt: new Date().toISOString(), status: null, error: null };
    this.deliveries.push(delivery);
    const promise = this.post(rule.url, body)
      .then((status) => {
        delivery.status = status;
      })
      .catch((error: unknown) => {
        // Odoo only logs a failed or slow webhook: no retry.
        delivery.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      })
      .finally(() => this.inFlight.delete(promise));
    this.inFlight.add(promise);
  }

  /** Runs an "On webhook" rule inside the caller's transaction; throws when the target record is missing. */
  apply(rule: IncomingWebhookRule, payload: Record<string, unknown>, env: Env): void {
    const modelName = String(payload._model ?? rule.model);
    const id = Number(payload._id);
    const row = env.registry.has(modelName) && Number.isInteger(id) ? env.db.get(modelName, id) : undefined;
    if (!row) throw new Error(`webhook target ${modelName}(${String(payload._id)}) not found`);
    if (rule.writeVals) write(env, modelName, [id], rule.writeVals);
  }

  logIncoming(uuid: string, payload: Record<string, unknown>, status: number): void {
    this.incomingCalls.push({ uuid, payload, status, at: new Date().toISOString() });
  }
}

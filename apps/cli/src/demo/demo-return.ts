import { StockPositionChanged } from '@omnibus/contracts';
import { AvroSerde, SchemaRegistryClient } from '@omnibus/messaging';
import { issueToken } from '@omnibus/service-kit';
import { randomUUID } from 'node:crypto';
import { formatTable } from '../table';
import type { EventWatcher } from './event-watcher';
import type { OdooJsonRpc } from './odoo-json-rpc';

/** Where the demo's customer brings the parcel back: a store, not the warehouse it shipped from (odoo-sim's ST01). */
export const RETURN_STORE = { locationId: 'store-downtown', odooWarehouse: 'ST01' };

export interface ReturnSettings {
  returnsUrl: string;
  registryUrl: string;
  timeoutMs: number;
}

type Print = (line?: string) => void;

/** The delivered order the customer returns from: its first line, all of its units. */
export interface DeliveredOrder {
  ref: string;
  orderId: string;
  channelId: string;
  currency: string;
  line: { lineId: string; sku: string; quantity: string };
}

/**
 * A partial return of a delivered order, received at a store: one unit resellable, one damaged. The
 * returns service authorises it by its policy; the store's receipt refunds it through the payment
 * gateway, sends Odoo the return picking (the damaged unit scrapped) and the credit note; Odoo's stock
 * at the store grows by the resellable unit and the odoo-adapter brings that count to inventory.
 */
export async function showReturn(settings: ReturnSettings, odoo: OdooJsonRpc, watcher: EventWatcher, order: DeliveredOrder, print: Print): Promise<void> {
  const deadline = Date.now() + settings.timeoutMs;
  const [channel, store] = await Promise.all([
    issueToken({ sub: `channel:${order.channelId}`, scopes: ['returns:write', 'returns:read'], channel: order.channelId, ttl: '15m' }),
    issueToken({ sub: `channel:${RETURN_STORE.locationId}`, scopes: ['returns:receive', 'returns:read'], ttl: '15m' }),
  ]);
  const call = async (method: 'GET' | 'POST', route: string, token: string, body?: unknown) => {
    const response = await fetch(`${settings.returnsUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const until = async <T>(what: string, find: () => Promise<T | undefined>): Promise<T> => {
    for (;;) {
      const found = await find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${settings.timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  // Returns learns of the order from Kafka (OrderPlaced, the parcels, the captures): it may still be on its way.
  const request = { orderId: order.orderId, channel: { channelId: order.channelId, kind: 'WEB' }, lines: [{ lineId: order.line.lineId, quantity: order.line.quantity, reason: 'SIZE_OR_FIT' }] };
  const requested = await until(`${order.ref} known to the returns service`, async () => {
    const answer = await call('POST', '/returns', channel, request);
    return answer.status === 404 ? undefined : answer;
  });
  if (requested.status !== 201) throw new Error(`POST /returns for ${order.ref} answered ${requested.status}: ${JSON.stringify(requested.body)}`);
  const asked = requested.body;
  print(`   POST ${settings.returnsUrl}/returns (the shop's token): ${order.line.sku} ×${order.line.quantity} of ${order.ref}, reason SIZE_OR_FIT`);
  print(`   → 201 ${asked.status}, ${asked.rmaNumber}, policy ${asked.policy.policyId} v${asked.policy.version}, refund due ${money(asked.lines[0].refundDue, order.currency)}`);

  const [warehouse] = await odoo.searchRead<{ lot_stock_id: [number, string] }>('stock.warehouse', [['code', '=', RETURN_STORE.odooWarehouse]], ['lot_stock_id']);
  const odooOnHand = async () => {
    const [product] = await odoo.searchRead<{ id: number }>('product.product', [['default_code', '=', order.line.sku]], ['id']);
    const quants = await odoo.searchRead<{ quantity: number }>('stock.quant', [['product_id', '=', product.id], ['location_id', 'child_of', warehouse.lot_stock_id[0]]], ['quantity']);
    return Math.round(quants.reduce((sum, quant) => sum + quant.quantity, 0));
  };
  const before = await odooOnHand();

  const units = [{ disposition: 'RESELLABLE' }, { disposition: 'DAMAGED' }];
  const received = await call('POST', `/returns/${asked.returnId}/receipts`, store, { location: { locationId: RETURN_STORE.locationId, locationType: 'STORE' }, lines: [{ lineId: order.line.lineId, units }] });
  if (received.status !== 201) throw new Error(`the receipt of ${asked.rmaNumber} at ${RETURN_STORE.locationId} answered ${received.status}: ${JSON.stringify(received.body)}`);
  print(`   Received at ${RETURN_STORE.locationId} (not where it shipped from): one unit RESELLABLE, one DAMAGED`);

  const done = await until(`the refund and the Odoo records of ${asked.rmaNumber}`, async () => {
    const current = (await call('GET', `/returns/${asked.returnId}`, channel)).body;
    if (current.refundStatus === 'failed' || current.odoo?.some((command: any) => command.status === 'failed')) {
      throw new Error(`${asked.rmaNumber}: ${JSON.stringify({ refunds: current.refunds, odoo: current.odoo })}`);
    }
    return current.refundStatus === 'refunded' && current.odoo.length === 2 && current.odoo.every((command: any) => command.status === 'succeeded') ? current : undefined;
  });
  const [refund] = done.refunds;
  print(`   ✓ ${done.rmaNumber} ${done.status} and ${done.refundStatus}: ${money(refund.amount.amountMinor, refund.amount.currency)} back to the card at the gateway (${refund.gatewayReference}), both units (the policy refunds damaged ones)`);

  // The restock: Odoo's count at the store (the return picking brought both units in, the scrap took the damaged one out), then inventory's.
  const serde = new AvroSerde({ registry: new SchemaRegistryClient({ url: settings.registryUrl }) });
  const restocked = await watcher.until(
    async (events) => {
      for (const event of events) {
        if (event.type !== StockPositionChanged.type || event.key !== order.line.sku || !event.value) continue;
        const position = await serde.decodeAs(StockPositionChanged, event.value);
        if (position.location.locationId === RETURN_STORE.locationId && position.onHand.milli === (before + 1) * 1000) return position;
      }
      return undefined;
    },
    Math.max(1_000, deadline - Date.now()),
    `StockPositionChanged for ${order.line.sku} at ${RETURN_STORE.locationId}`,
  );
  print(`   ✓ Restock: ${order.line.sku} at ${RETURN_STORE.locationId} ${before} → ${restocked.onHand.milli / 1000} in Odoo, on retail.inventory for inventory (source ${restocked.source}): the resellable unit only`);

  const receiptId = done.receipts[0].receiptId as string;
  const pickings = await odoo.searchRead<{ name: string; state: string; origin: string | false; location_dest_id: [number, string] }>(
    'stock.picking',
    [['x_omnibus_shipment_id', '=like', `return:${receiptId}:%`]],
    ['name', 'state', 'origin', 'location_dest_id'],
  );
  const scraps = await odoo.searchRead<{ name: string; state: string; scrap_qty: number }>('stock.scrap', [['origin', '=', `Omnibus return ${asked.returnId} receipt ${receiptId}`]], ['name', 'state', 'scrap_qty']);
  const creditNotes = await odoo.searchRead<{ name: string; state: string; amount_total: number; reversed_entry_id: [number, string] | false }>(
    'account.move',
    [['move_type', '=', 'out_refund'], ['ref', '=', asked.returnId]],
    ['name', 'state', 'amount_total', 'reversed_entry_id'],
  );
  if (pickings.length === 0 || creditNotes.length !== 1) throw new Error(`${asked.rmaNumber}: Odoo has ${pickings.length} return pickings and ${creditNotes.length} credit notes for it`);
  const rows = [
    ...pickings.map((picking) => ['return picking', picking.name, picking.state, `${picking.origin || ''} → ${picking.location_dest_id[1]}`]),
    ...scraps.map((scrap) => ['scrap', scrap.name, scrap.state, `${scrap.scrap_qty} × ${order.line.sku} (the damaged unit)`]),
    ...creditNotes.map((note) => ['credit note', note.name, note.state, `amount_total ${note.amount_total.toFixed(2)}, reverses ${note.reversed_entry_id ? note.reversed_entry_id[1] : '-'}`]),
  ];
  print(`   In Odoo (the odoo-adapter's CreateReturnPicking and CreateCreditNote):`);
  print(formatTable(['record', 'name', 'state', 'detail'], rows).split('\n').map((line) => `      ${line}`).join('\n'));
}

function money(amountMinor: number, currency: string): string {
  return `${currency} ${(amountMinor / 100).toFixed(2)}`;
}

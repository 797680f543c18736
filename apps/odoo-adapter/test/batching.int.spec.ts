import { CancelSaleOrder, CreateSaleOrder, OdooCommandFailed, OdooCommandSucceeded, PostJournalEntry } from '@omnibus/contracts';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { cancelSaleOrder, createSaleOrder, postJournalEntry } from './commands';
import { AdapterUnderTest, RegistryProcess, SimVersion, startAdapter, waitFor } from './harness';

let sim: OdooSimProcess;
let registry: RegistryProcess;

beforeAll(async () => {
  [sim, registry] = await Promise.all([OdooSimProcess.start(), RegistryProcess.start()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([sim?.stop(), registry?.stop()]);
});

/** Sale orders in batches: a chunk of CreateSaleOrder commands costs a handful of Odoo calls, each order still once. */
describe.each([16, 17, 18, 19] as SimVersion[])('sale orders in batches into Odoo %i', (version) => {
  let under: AdapterUnderTest;
  let odoo: OdooClient;
  const id = (name: string) => `${name}-v${version}`;

  const resultsOf = (aggregateId: string) => under.events.filter((event) => event.topic === under.topics['odoo.results'] && event.key === aggregateId);
  const succeeded = (aggregateId: string) => resultsOf(aggregateId).filter((event) => event.type === OdooCommandSucceeded.type);
  const lastCallSeq = async () => Math.max(0, ...(await sim.calls()).map((call) => call.seq));
  const callsSince = async (seq: number, filter: { model?: string; method?: string } = {}) => (await sim.calls(filter)).filter((call) => call.seq > seq);
  /** How many sale orders Odoo has per reference. */
  const ordersInOdoo = async (orderIds: string[]) => {
    const orders = await odoo.searchRead<{ id: number; client_order_ref: string; state: string }>('sale.order', [['client_order_ref', 'in', orderIds]], { fields: ['client_order_ref', 'state'] });
    const count = new Map<string, number>();
    for (const order of orders) count.set(order.client_order_ref, (count.get(order.client_order_ref) ?? 0) + 1);
    return { orders, count };
  };

  beforeAll(async () => {
    await sim.reset(version);
    await sim.clearFaults();
    odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
    const apiKey: Record<string, string> = version >= 19 ? { ODOO_API_KEY: await sim.createApiKey() } : {};
    under = await startAdapter(sim, registry, { ...apiKey, ODOO_SYNC_ENABLED: 'false', ODOO_RETRY_MAX_ATTEMPTS: '2', ODOO_BATCH_SIZE: '50' });
  }, 60_000);

  afterAll(async () => {
    await under?.stop();
    await odoo?.close();
  }, 30_000);

  afterEach(() => sim.clearFaults());

  it("200 orders, one with a product Odoo refuses for the company: 199 created once each, the one dead-lettered with Odoo's message, at most 2 calls per order", async () => {
    // A SKU of the outlet company only: Odoo refuses it on an order of the main company (check_company).
    const outletSku = id('OUTLET-ONLY');
    await odoo.create('product.template', { name: `Outlet-only tee ${version}`, default_code: outletSku, company_id: 2 });
    const orderIds = Array.from({ length: 200 }, (_, i) => id(`BULK-${i}`));
    const refused = orderIds[137];
    const startSeq = await lastCallSeq();
    await under.publishTogether(
      orderIds.map((orderId, i) => ({
        contract: CreateSaleOrder,
        payload: createSaleOrder(orderId, [{ sku: `APP-${10001 + (i % 50) * 8}`, quantity: 1 }, ...(orderId === refused ? [{ sku: outletSku, quantity: 1 }] : [])]),
      })),
    );

    const failed = await waitFor(() => resultsOf(refused).find((event) => event.type === OdooCommandFailed.type)?.value as OdooCommandFailed | undefined, {
      timeoutMs: 30_000,
      what: 'the refused order announced as failed',
    });
    expect(failed).toMatchObject({ failure: 'VALIDATION', retryable: false, errorMessage: expect.stringContaining('Incompatible companies') });
    const deadLetter = await waitFor(() => under.events.find((event) => event.topic.endsWith('.dlq') && event.key === refused), { timeoutMs: 15_000, what: 'its dead letter' });
    expect(JSON.stringify(deadLetter.headers)).toContain('Incompatible companies');
    const others = orderIds.filter((orderId) => orderId !== refused);
    await waitFor(() => others.every((orderId) => succeeded(orderId).length > 0), { timeoutMs: 30_000, what: '199 OdooCommandSucceeded' });

    const { orders, count } = await ordersInOdoo(orderIds);
    expect(orders).toHaveLength(199);
    expect([...count.values()].every((n) => n === 1)).toBe(true);
    expect(count.has(refused)).toBe(false);
    expect(orders.every((order) => order.state === 'sale')).toBe(true);
    expect(under.events.filter((event) => event.topic.endsWith('.dlq') && orderIds.includes(event.key ?? ''))).toHaveLength(1);
    // Batched: a handful of creates for 200 orders (halving to find the refused one included), and all
    // Odoo calls of the run (partners, searches, confirms, reads) at most 2 per order.
    const creates = await callsSince(startSeq, { model: 'sale.order', method: 'create' });
    expect(creates.length).toBeLessThan(50);
    const calls = await callsSince(startSeq);
    expect(calls.length / 199).toBeLessThanOrEqual(2);
  }, 90_000);

  it('a connection dropped after Odoo committed a batched create of orders and partners creates nothing twice', async () => {
    const orderIds = Array.from({ length: 40 }, (_, i) => id(`DROP-${i}`));
    const startSeq = await lastCallSeq();
    await sim.addFaults([
      { kind: 'drop_after_commit', model: 'sale.order', method: 'create', times: 1 },
      { kind: 'drop_after_commit', model: 'res.partner', method: 'create', times: 1 },
      { kind: 'drop_after_commit', model: 'sale.order', method: 'action_confirm', times: 1 },
    ]);
    await under.publishTogether(orderIds.map((orderId) => ({ contract: CreateSaleOrder, payload: createSaleOrder(orderId, [{ sku: 'HOM-10003', quantity: 2 }]) })));
    await waitFor(() => orderIds.every((orderId) => succeeded(orderId).length > 0), { timeoutMs: 30_000, what: '40 OdooCommandSucceeded' });

    const { orders, count } = await ordersInOdoo(orderIds);
    expect(orders).toHaveLength(40);
    expect([...count.values()].every((n) => n === 1)).toBe(true);
    expect(orders.every((order) => order.state === 'sale')).toBe(true);
    const partners = await odoo.searchRead<{ id: number; ref: string }>('res.partner', [['ref', 'in', orderIds.map((orderId) => `CUS-${orderId}`)]], { fields: ['ref'] });
    expect(partners).toHaveLength(40);
    expect(new Set(partners.map((partner) => partner.ref)).size).toBe(40);
    const dropped = (await callsSince(startSeq, {})).filter((call) => call.outcome === 'dropped_after_commit').map((call) => `${call.model}.${call.modelMethod as string}`);
    expect(dropped.sort()).toEqual(['res.partner.create', 'sale.order.action_confirm', 'sale.order.create']);
    // The lost answers were batched ones: the create that Odoo committed carried many orders.
    const droppedCreate = (await callsSince(startSeq, { model: 'sale.order', method: 'create' })).find((call) => call.outcome === 'dropped_after_commit');
    expect(droppedCreate?.createdIds?.length ?? 0).toBeGreaterThan(1);
  }, 60_000);

  it("each order's commands keep their order while several batches are in flight", async () => {
    const orderIds = Array.from({ length: 60 }, (_, i) => id(`SEQ-${i}`));
    const cancelled = orderIds.filter((_, i) => i % 2 === 0);
    const startSeq = await lastCallSeq();
    // Every call takes 30 ms, so the partitions' batches overlap in Odoo.
    await sim.addFaults({ kind: 'latency', latencyMs: 30, probability: 1 });
    await under.publishTogether([
      ...orderIds.map((orderId) => ({ contract: CreateSaleOrder, payload: createSaleOrder(orderId, [{ sku: 'TOY-10006', quantity: 1 }]) })),
      ...cancelled.map((orderId) => ({ contract: CancelSaleOrder, payload: cancelSaleOrder(orderId) })),
    ]);
    await waitFor(() => orderIds.every((orderId) => succeeded(orderId).length >= (cancelled.includes(orderId) ? 2 : 1)), { timeoutMs: 45_000, what: 'every command applied' });

    for (const orderId of cancelled) {
      expect(succeeded(orderId).map((event) => [(event.value as OdooCommandSucceeded).commandType, (event.value as OdooCommandSucceeded).alreadyApplied])).toEqual([
        [CreateSaleOrder.type, false],
        [CancelSaleOrder.type, false],
      ]);
    }
    const { orders } = await ordersInOdoo(orderIds);
    expect(orders).toHaveLength(60);
    for (const order of orders) expect(order.state).toBe(cancelled.includes(order.client_order_ref) ? 'cancel' : 'sale');
    // Several batches were in Odoo at once: two sale.order creates overlapped in time.
    const creates = (await callsSince(startSeq, { model: 'sale.order', method: 'create' })).map((call) => {
      const start = Date.parse(call.at as string);
      return { start, end: start + (call.durationMs as number) };
    });
    expect(creates.some((a, i) => creates.some((b, j) => i !== j && a.start < b.end && b.start < a.end))).toBe(true);
  }, 60_000);

  it('journal entries in batches: each posted once despite a lost answer, an unbalanced one refused alone', async () => {
    const entryIds = Array.from({ length: 40 }, (_, i) => id(`JE-BATCH-${i}`));
    const unbalanced = entryIds[23];
    const startSeq = await lastCallSeq();
    await sim.addFaults({ kind: 'drop_after_commit', model: 'account.move', method: 'create', times: 1 });
    await under.publishTogether(
      entryIds.map((entryId, i) => {
        const entry = postJournalEntry(entryId, 1_000 + i);
        if (entryId === unbalanced) entry.lines[1].credit.amountMinor += 1;
        return { contract: PostJournalEntry, payload: entry };
      }),
    );
    const balanced = entryIds.filter((entryId) => entryId !== unbalanced);
    await waitFor(() => balanced.every((entryId) => succeeded(entryId).length > 0), { timeoutMs: 30_000, what: '39 journal entries posted' });
    const failed = await waitFor(() => resultsOf(unbalanced).find((event) => event.type === OdooCommandFailed.type)?.value as OdooCommandFailed | undefined, {
      timeoutMs: 15_000,
      what: 'the unbalanced entry refused',
    });
    expect(failed).toMatchObject({ failure: 'VALIDATION', errorMessage: expect.stringContaining('does not balance') });

    const moves = await odoo.searchRead<{ id: number; ref: string; state: string }>('account.move', [['ref', 'in', entryIds], ['move_type', '=', 'entry']], { fields: ['ref', 'state'] });
    expect(moves.map((move) => move.ref).sort()).toEqual([...balanced].sort());
    expect(moves.every((move) => move.state === 'posted')).toBe(true);
    const creates = await callsSince(startSeq, { model: 'account.move', method: 'create' });
    expect(creates.some((call) => call.outcome === 'dropped_after_commit' && (call.createdIds?.length ?? 0) > 1)).toBe(true);
    expect(creates.length).toBeLessThan(10);
  }, 60_000);
});

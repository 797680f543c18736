import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { OrderAccepted, OrderPlaced } from '@omnibus/contracts';
import { EventOutbox, OutgoingEvent } from '@omnibus/messaging';
import { ROOT_LOGGER, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource, QueryFailedError } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { channelSettings, OrderConfig, regionOf } from '../config';
import { decideRetry, requestFingerprint } from '../domain/idempotency';
import { buildOrder, Order } from '../domain/order';
import { orderAccepted, orderPlaced } from '../domain/order-messages';
import { orderSagaData } from '../domain/saga/order-saga-data';
import { SagaRunner } from '../saga/saga-runner';
import { orderView, OrderView } from '../domain/order-view';
import type { PlaceOrderRequest } from '../domain/place-order-request';
import { orderMetrics } from '../metrics';
import { EVENT_OUTBOX } from '../tokens';
import { findIdempotencyKey, findOrderIdByChannelRef, loadOrder } from './order-store';

export interface PlacedOrder {
  /** 201 when this request created the order, 200 when it repeats an earlier one. */
  status: 201 | 200;
  body: OrderView;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class OrderIntake {
  constructor(
    private readonly dataSource: DataSource,
    private readonly saga: SagaRunner,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(SERVICE_CONFIG) private readonly config: OrderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Accepts an order in one statement (one transaction): the idempotency key, the order and its first history entry,
   * its saga started (the first step's ReserveStock on inventory.commands, the timeline), and
   * OrderPlaced + OrderAccepted on retail.orders (all keyed and correlated by the order id, carrying
   * the request's trace). A retry with the same key and body gets
   * the first answer again; a different body under the same key gets 409.
   */
  async placeOrder(caller: string, idempotencyKey: string, request: PlaceOrderRequest): Promise<PlacedOrder> {
    const fingerprint = requestFingerprint(request);
    const order = buildOrder(request, { orderId: uuidv7(), acceptedAt: new Date() });
    let outcome: PlacedOrder | { conflict: string };
    try {
      outcome = await this.insert(caller, idempotencyKey, fingerprint, order, `accepted from channel ${order.channel.channelId} as ${order.channelOrderRef}`);
    } catch (error) {
      throw await this.alreadyPlaced(error, request);
    }

    if ('conflict' in outcome) {
      orderMetrics.replayed.inc({ outcome: 'conflict' });
      throw new ConflictException(outcome.conflict);
    }
    if (outcome.status === 200) {
      orderMetrics.replayed.inc({ outcome: 'replayed' });
      this.logger.info({ orderId: outcome.body.orderId, idempotencyKey, caller }, 'order request repeated: answered from its Idempotency-Key');
    } else {
      orderMetrics.accepted.inc({ channel: order.channel.channelId });
      this.logger.info(
        { orderId: order.orderId, channel: order.channel.channelId, channelOrderRef: order.channelOrderRef, lines: order.lines.length, caller },
        'order accepted',
      );
    }
    return outcome;
  }

  /**
   * The replacement order of an exchange (exchange-order.ts), placed as a channel's order is, under
   * the exchange id as idempotency key of the returns service: a redelivered ExchangeRequested finds
   * it placed and changes nothing. Its saga starts at once: the stock is reserved now.
   */
  async placeReplacement(order: Order): Promise<PlacedOrder> {
    const exchange = order.exchange!;
    const outcome = await this.insert('service:returns', `exchange:${exchange.exchangeId}`, `exchange:${exchange.exchangeId}`, order, `replacement for return ${exchange.rmaNumber} of order ${exchange.originalOrderId} (exchange ${exchange.exchangeId})`);
    if ('conflict' in outcome) throw new Error(outcome.conflict);
    if (outcome.status === 201) {
      orderMetrics.accepted.inc({ channel: order.channel.channelId });
      this.logger.info({ orderId: order.orderId, exchangeId: exchange.exchangeId, returnId: exchange.returnId, originalOrderId: exchange.originalOrderId }, 'replacement order accepted');
    }
    return outcome;
  }

  /** The order, its saga started and its first events, in one statement; or the earlier answer under the key. */
  private async insert(caller: string, idempotencyKey: string, fingerprint: string, order: Order, detail: string): Promise<PlacedOrder | { conflict: string }> {
    const started = this.saga.begin(order, orderSagaData(order, (country) => regionOf(this.config, country), channelSettings(this.config)));
    started.statuses.detail = detail;
    // A replacement's timeline says first what it replaces.
    if (order.exchange) started.result.timeline.unshift({ at: order.acceptedAt.toISOString(), step: null, phase: 'action', what: 'started', detail });
    const response = orderView({
      order,
      statuses: started.statuses,
      saga: started.result.state,
      history: [{ status: started.statuses.status, at: order.acceptedAt, detail: started.statuses.detail }],
      timeline: started.result.timeline.map((entry) => ({ entry, cause: { type: 'order accepted', eventId: null } })),
      reviews: [],
    });

    // One statement, its own transaction (see insertPlacedOrder): no BEGIN/COMMIT round trips.
    const manager = this.dataSource.manager;
    const ownEvents: OutgoingEvent[] = [
      { topic: topicFor(this.config, OrderPlaced.topic), type: OrderPlaced.type, key: order.orderId, payload: orderPlaced(order) },
      { topic: topicFor(this.config, OrderAccepted.topic), type: OrderAccepted.type, key: order.orderId, payload: orderAccepted(order) },
    ];
    const encode = async (events: OutgoingEvent[]) => (await this.outbox.encode(events, { correlationId: order.orderId })).records;
    const claimed = await this.saga.insertStarted(manager, order, started, { caller, key: idempotencyKey, fingerprint, response }, ownEvents, encode);
    if (claimed) return { status: 201, body: response };
    // The key was taken by a request that has committed (the insert waited for it), so its row is there.
    const stored = (await findIdempotencyKey(manager, caller, idempotencyKey))!;
    const decision = decideRetry(idempotencyKey, stored, fingerprint);
    return decision.outcome === 'replay' ? { status: 200, body: stored.response } : { conflict: decision.message };
  }

  async findOrder(orderId: string): Promise<OrderView | undefined> {
    // One snapshot: the order row, its history, timeline, reviews and refunds as of one moment, never
    // half of a saga step the consumer commits meanwhile.
    const record = await this.dataSource.transaction('REPEATABLE READ', (manager) => loadOrder(manager, orderId));
    return record && orderView(record);
  }

  /** A channel re-sending an order it already placed under another key: 409 naming the order. */
  private async alreadyPlaced(error: unknown, request: PlaceOrderRequest): Promise<unknown> {
    // The intake's insert is a named statement on the pg pool (order-store.ts), so its errors come unwrapped.
    const driverError = (error instanceof QueryFailedError ? error.driverError : error) as { code?: string; constraint?: string } | undefined;
    if (driverError?.code !== UNIQUE_VIOLATION || driverError.constraint !== 'orders_channel_order_ref') return error;
    const existing = await findOrderIdByChannelRef(this.dataSource.manager, request.channel.channelId, request.channelOrderRef);
    orderMetrics.replayed.inc({ outcome: 'conflict' });
    return new ConflictException(
      `order ${request.channelOrderRef} of channel ${request.channel.channelId} was already placed as order ${existing ?? '(unknown)'} with another Idempotency-Key`,
    );
  }
}

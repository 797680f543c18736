import { cannotCompensate, change, defineSaga, done, failed, sagaStep, send } from '../definition';
import { advance, newSaga, SagaEffect, SagaInput, SagaResult, SagaState } from '../engine';

/** A small saga for the engine's unit tests: reserve, authorise, record, release (the pivot), capture. */
export interface CheckoutData {
  orderId: string;
  reservationId?: string;
  authorisationId?: string;
  /** Set to make the void impossible (the money was captured by hand, say). */
  alreadyCaptured?: boolean;
  paidUpFront?: boolean;
}

export const reserveStock = sagaStep<CheckoutData>('reserveStock', {
  action: (data) => send('ReserveStock', { orderId: data.orderId }),
  on: {
    StockReserved: (reply, data) => done({ ...data, reservationId: (reply.payload as { reservationId: string }).reservationId }),
    ReservationRejected: () => failed('OUT_OF_STOCK'),
  },
  timeoutMs: 30_000,
  compensation: {
    run: (data) => send('ReleaseStock', { reservationId: data.reservationId ?? null }),
    on: { StockReleased: () => done() },
    timeoutMs: 30_000,
  },
});

export const authorisePayment = sagaStep<CheckoutData>('authorisePayment', {
  skipIf: (data) => data.paidUpFront === true,
  action: (data) => send('AuthorisePayment', { orderId: data.orderId }),
  on: {
    PaymentAuthorised: (reply, data) => done({ ...data, authorisationId: (reply.payload as { authorisationId: string }).authorisationId }),
    PaymentDeclined: (reply) => failed('PAYMENT_DECLINED', (reply.payload as { why?: string }).why),
  },
  timeoutMs: 60_000,
  compensation: {
    run: (data) => (data.alreadyCaptured ? cannotCompensate('PAYMENT_VOID_FAILED', 'already captured') : send('VoidPayment', { orderId: data.orderId })),
    on: { PaymentVoided: () => done(), PaymentVoidRefused: (reply) => failed('VOID_REFUSED', String((reply.payload as { why?: string }).why)) },
    timeoutMs: 60_000,
  },
});

export const recordConfirmation = sagaStep<CheckoutData>('recordConfirmation', {
  action: (data) => change('markConfirmed', { orderId: data.orderId }),
  compensation: { run: (data) => change('markCancelled', { orderId: data.orderId }) },
});

export const releaseToWarehouse = sagaStep<CheckoutData>('releaseToWarehouse', {
  action: (data) => send('ReleaseToWarehouse', { orderId: data.orderId }),
  on: { Released: () => done(), ReleaseRefused: () => failed('WAREHOUSE_REFUSED') },
  timeoutMs: 120_000,
});

export const capturePayment = sagaStep<CheckoutData>('capturePayment', {
  action: (data) => send('CapturePayment', { authorisationId: data.authorisationId ?? null }),
  on: { PaymentCaptured: () => done(), CaptureFailed: (reply) => failed('CAPTURE_FAILED', String((reply.payload as { why?: string }).why)) },
  timeoutMs: 60_000,
});

export const checkoutSaga = defineSaga<CheckoutData>({
  name: 'checkout',
  version: 1,
  steps: [reserveStock, authorisePayment, recordConfirmation, releaseToWarehouse, capturePayment],
  pivot: 'releaseToWarehouse',
  reviewSlaMs: 60 * 60 * 1000,
});

const T0 = Date.parse('2026-12-02T10:00:00.000Z');
/** ISO time `seconds` after the tests' epoch. */
export const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

export const reply = (type: string, payload: unknown = {}, extra: { eventId?: string; commandId?: string } = {}, seconds = 1): SagaInput => ({
  kind: 'reply',
  reply: { type, payload, ...extra },
  at: at(seconds),
});

/** The successful replies of the checkout steps and compensations, by the command that asks for them. */
export const confirmations: Record<string, { type: string; payload: unknown }> = {
  ReserveStock: { type: 'StockReserved', payload: { reservationId: 'res-1' } },
  AuthorisePayment: { type: 'PaymentAuthorised', payload: { authorisationId: 'auth-1' } },
  ReleaseToWarehouse: { type: 'Released', payload: {} },
  CapturePayment: { type: 'PaymentCaptured', payload: {} },
  ReleaseStock: { type: 'StockReleased', payload: {} },
  VoidPayment: { type: 'PaymentVoided', payload: {} },
};

/** Folds inputs through the engine, keeping every result. */
export function drive<D>(definition: Parameters<typeof advance<D>>[0], state: SagaState<D>, inputs: SagaInput[]): { state: SagaState<D>; results: SagaResult<D>[] } {
  const results: SagaResult<D>[] = [];
  for (const input of inputs) {
    const result = advance(definition, state, input);
    results.push(result);
    state = result.state;
  }
  return { state, results };
}

/** Starts a checkout and answers every command it sends with its confirmation, except those named in `answers`. */
export function runCheckout(
  data: Partial<CheckoutData> = {},
  answers: Record<string, { type: string; payload?: unknown } | 'silence'> = {},
): { state: SagaState<CheckoutData>; effects: SagaEffect[]; results: SagaResult<CheckoutData>[] } {
  let state = newSaga(checkoutSaga, 'order-1', { orderId: 'order-1', ...data });
  const results: SagaResult<CheckoutData>[] = [];
  const effects: SagaEffect[] = [];
  const pending: SagaInput[] = [{ kind: 'start', at: at(0) }];
  let clock = 0;
  while (pending.length > 0) {
    const input = pending.shift()!;
    const result = advance(checkoutSaga, state, input);
    results.push(result);
    state = result.state;
    effects.push(...result.effects);
    for (const effect of result.effects) {
      if (effect.kind !== 'send') continue;
      const answer = answers[effect.name] ?? confirmations[effect.name];
      if (!answer || answer === 'silence') continue;
      clock += 1;
      pending.push({ kind: 'reply', reply: { type: answer.type, payload: answer.payload ?? {}, commandId: effect.id, eventId: `evt-${clock}` }, at: at(clock) });
    }
  }
  return { state, effects, results };
}

export const names = (effects: SagaEffect[]): string[] => effects.map((effect) => effect.name);

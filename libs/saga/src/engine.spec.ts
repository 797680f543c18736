import { defineSaga, done, failed, sagaStep, send, SagaDefinitionError, waiting } from './definition';
import { advance, newSaga, SagaInput, SagaResult, SagaStateError, timeoutOf } from './engine';
import { sagaCommandId } from './ids';
import { at, checkoutSaga, CheckoutData, confirmations, drive, names, reply, runCheckout } from './test/checkout-saga';

const started = () => advance(checkoutSaga, newSaga(checkoutSaga, 'order-1', { orderId: 'order-1' } as CheckoutData), { kind: 'start', at: at(0) });

describe('the happy path', () => {
  it('runs every step in order, emitting each action once, and completes', () => {
    const { state, effects } = runCheckout();
    expect(names(effects)).toEqual(['ReserveStock', 'AuthorisePayment', 'markConfirmed', 'ReleaseToWarehouse', 'CapturePayment']);
    expect(state.status).toBe('completed');
    expect(state.completed).toEqual(['reserveStock', 'authorisePayment', 'recordConfirmation', 'releaseToWarehouse', 'capturePayment']);
    expect(state.data).toMatchObject({ reservationId: 'res-1', authorisationId: 'auth-1' });
    expect(state.deadline).toBeNull();
  });

  it('sets the deadline of each awaited step and clears it when the saga finishes', () => {
    const first = started();
    expect(first.deadline).toEqual({ set: { step: 'reserveStock', phase: 'action', attempt: 1, at: at(30) } });
    const second = advance(checkoutSaga, first.state, reply('StockReserved', { reservationId: 'r' }, {}, 5));
    expect(second.deadline.set).toEqual({ step: 'authorisePayment', phase: 'action', attempt: 1, at: at(65) });
    expect(second.deadline.cleared).toEqual(first.deadline.set);
    const { results } = runCheckout();
    expect(results[results.length - 1].deadline).toEqual({ cleared: expect.objectContaining({ step: 'capturePayment' }) });
  });

  it('a local change with no reply to wait for completes in the same input as it is emitted', () => {
    const { results } = runCheckout();
    const authorised = results.find((result) => result.effects.some((effect) => effect.name === 'markConfirmed'))!;
    expect(names(authorised.effects)).toEqual(['markConfirmed', 'ReleaseToWarehouse']);
    expect(authorised.effects[0]).toMatchObject({ kind: 'change', step: 'recordConfirmation', phase: 'action' });
  });

  it('skips a step the saga does not need (an order paid up front is not authorised)', () => {
    const { state, effects, results } = runCheckout({ paidUpFront: true });
    expect(names(effects)).not.toContain('AuthorisePayment');
    expect(state.status).toBe('completed');
    expect(results.flatMap((result) => result.timeline)).toContainEqual(expect.objectContaining({ step: 'authorisePayment', what: 'skipped' }));
  });

  it('records a timeline of every step with its cause', () => {
    const { results } = runCheckout();
    const timeline = results.flatMap((result) => result.timeline).map((entry) => `${entry.step ?? '-'} ${entry.what}`);
    expect(timeline.slice(0, 3)).toEqual(['reserveStock started', 'reserveStock completed', 'authorisePayment started']);
    expect(timeline[timeline.length - 1]).toBe('- finished');
  });
});

describe('a failure before the pivot', () => {
  it.each<{ failingStep: string; answers: Parameters<typeof runCheckout>[1]; undo: string[] }>([
    { failingStep: 'reserveStock', answers: { ReserveStock: { type: 'ReservationRejected' } }, undo: [] },
    { failingStep: 'authorisePayment', answers: { AuthorisePayment: { type: 'PaymentDeclined', payload: { why: 'insufficient funds' } } }, undo: ['ReleaseStock'] },
    { failingStep: 'releaseToWarehouse (the pivot itself)', answers: { ReleaseToWarehouse: { type: 'ReleaseRefused' } }, undo: ['markCancelled', 'VoidPayment', 'ReleaseStock'] },
  ])('at $failingStep undoes the completed steps newest first: $undo', ({ answers, undo }) => {
    const { state, effects } = runCheckout({}, answers);
    const compensations = effects.filter((effect) => effect.phase === 'compensation');
    expect(names(compensations)).toEqual(undo);
    expect(state.status).toBe('compensated');
    expect(state.deadline).toBeNull();
  });

  it('does not undo the step whose participant said no (a declined payment is not voided)', () => {
    const { effects, state } = runCheckout({}, { AuthorisePayment: { type: 'PaymentDeclined', payload: { why: 'expired card' } } });
    expect(names(effects)).not.toContain('VoidPayment');
    expect(state.failure).toEqual({ step: 'authorisePayment', reason: 'PAYMENT_DECLINED', detail: 'expired card' });
  });

  it('waits for each compensation to be confirmed before starting the previous one', () => {
    const { state, effects } = runCheckout({}, { ReleaseToWarehouse: { type: 'ReleaseRefused' }, VoidPayment: 'silence' });
    expect(names(effects.filter((effect) => effect.phase === 'compensation'))).toEqual(['markCancelled', 'VoidPayment']);
    expect(state).toMatchObject({ status: 'compensating', step: 'authorisePayment', phase: 'compensation', toCompensate: ['authorisePayment', 'reserveStock'] });
    expect(state.deadline).toMatchObject({ step: 'authorisePayment', phase: 'compensation' });
  });

  it('a cancellation while a step awaits its reply undoes that step too (its outcome is unknown)', () => {
    const { state } = runCheckout({}, { AuthorisePayment: 'silence' });
    const cancelled = advance(checkoutSaga, state, { kind: 'cancel', reason: 'CUSTOMER_CANCELLED', at: at(10) });
    expect(names(cancelled.effects)).toEqual(['VoidPayment']);
    expect(cancelled.state.failure).toMatchObject({ step: 'authorisePayment', reason: 'CUSTOMER_CANCELLED' });
    const voided = advance(checkoutSaga, cancelled.state, reply('PaymentVoided', {}, { commandId: cancelled.effects[0].id }, 11));
    expect(names(voided.effects)).toEqual(['ReleaseStock']);
  });
});

describe('a failure after the pivot', () => {
  const capturing = () => runCheckout({}, { CapturePayment: { type: 'CaptureFailed', payload: { why: 'gateway down' } } });

  it('undoes nothing and opens a review item with its reason, SLA and the operator actions', () => {
    const { state, effects, results } = capturing();
    expect(effects.filter((effect) => effect.phase === 'compensation')).toEqual([]);
    expect(state.status).toBe('in_review');
    const opened = results[results.length - 1].review;
    expect(opened).toEqual([
      {
        id: expect.any(String),
        sagaId: 'order-1',
        saga: 'checkout',
        step: 'capturePayment',
        phase: 'action',
        reason: 'CAPTURE_FAILED',
        detail: 'gateway down',
        openedAt: at(4),
        dueBy: at(4 + 3600), // four replies in, plus the one-hour SLA
        allowedActions: ['retry', 'cancel', 'accept'],
        retry: 'new-attempt',
      },
    ]);
    expect(state.review).toEqual(opened[0]);
    expect(state.deadline).toBeNull();
  });

  it('retry runs the step again as a new attempt with a new command id', () => {
    const { state, effects } = capturing();
    const retried = advance(checkoutSaga, state, { kind: 'resolve', reviewId: state.review!.id, action: 'retry', by: 'ops@shop', at: at(100) });
    expect(names(retried.effects)).toEqual(['CapturePayment']);
    expect(retried.effects[0].attempt).toBe(2);
    expect(retried.effects[0].id).not.toBe(effects[effects.length - 1].id);
    expect(retried.state).toMatchObject({ status: 'running', review: null });
    const captured = advance(checkoutSaga, retried.state, reply('PaymentCaptured', {}, { commandId: retried.effects[0].id }, 101));
    expect(captured.state.status).toBe('completed');
  });

  it('a reply to the failed attempt is stale once the operator retried', () => {
    const { state, effects } = capturing();
    const retried = advance(checkoutSaga, state, { kind: 'resolve', reviewId: state.review!.id, action: 'retry', by: 'ops@shop', at: at(100) });
    const late = advance(checkoutSaga, retried.state, reply('PaymentCaptured', {}, { commandId: effects[effects.length - 1].id }, 102));
    expect(late.ignored?.reason).toBe('stale');
    expect(late.state).toEqual(retried.state);
  });

  it('accept takes the step as done and goes on', () => {
    const { state } = capturing();
    const accepted = advance(checkoutSaga, state, { kind: 'resolve', reviewId: state.review!.id, action: 'accept', by: 'ops@shop', note: 'captured in the gateway UI', at: at(100) });
    expect(accepted.state.status).toBe('completed');
    expect(accepted.timeline[0]).toMatchObject({ what: 'review-resolved', detail: 'accept by ops@shop: captured in the gateway UI' });
  });

  it('cancel undoes every completed step that has a compensation, newest first', () => {
    const { state } = capturing();
    const { undone, result } = confirmEveryUndo(advance(checkoutSaga, state, { kind: 'resolve', reviewId: state.review!.id, action: 'cancel', by: 'ops@shop', at: at(100) }), 101);
    expect(undone).toEqual(['markCancelled', 'VoidPayment', 'ReleaseStock']);
    expect(result.state).toMatchObject({ status: 'compensated', failure: { reason: 'CANCELLED_BY_OPERATOR' } });
  });

  it('a customer cancellation after the pivot goes to review instead of undoing anything', () => {
    const { state } = runCheckout({}, { CapturePayment: 'silence' });
    const cancelled = advance(checkoutSaga, state, { kind: 'cancel', reason: 'CUSTOMER_CANCELLED', at: at(50) });
    expect(cancelled.effects).toEqual([]);
    expect(cancelled.review[0]).toMatchObject({ step: 'capturePayment', reason: 'CUSTOMER_CANCELLED' });
  });

  it('a cancellation the owner allows after the pivot (nothing shipped yet) undoes every completed step, newest first', () => {
    const { state } = runCheckout({}, { CapturePayment: 'silence' });
    const cancelled = advance(checkoutSaga, state, { kind: 'cancel', reason: 'CUSTOMER_CANCELLED', undoAfterPivot: true, at: at(50) });
    expect(cancelled.review).toEqual([]);
    const { undone, result } = confirmEveryUndo(cancelled, 51);
    expect(undone).toEqual(['markCancelled', 'VoidPayment', 'ReleaseStock']);
    expect(result.state).toMatchObject({ status: 'compensated', failure: { step: 'capturePayment', reason: 'CUSTOMER_CANCELLED' } });
  });

  it('an operator action the item does not allow, or on an item that is not open, changes nothing and says why', () => {
    const { state } = runCheckout({}, { ReleaseToWarehouse: { type: 'ReleaseRefused' }, VoidPayment: { type: 'PaymentVoidRefused', payload: { why: 'gateway error' } } });
    const cancel = advance(checkoutSaga, state, { kind: 'resolve', reviewId: state.review!.id, action: 'cancel', by: 'ops', at: at(60) });
    expect(cancel.ignored).toEqual({ reason: 'not-allowed', detail: expect.stringContaining('allowed: retry, accept') });
    const unknown = advance(checkoutSaga, state, { kind: 'resolve', reviewId: 'nope', action: 'retry', by: 'ops', at: at(60) });
    expect(unknown.ignored?.reason).toBe('stale');
    expect(unknown.state).toEqual(state);
  });
});

describe('timeouts', () => {
  const awaitingAuthorisation = () => runCheckout({}, { AuthorisePayment: 'silence' }).state;

  // A step whose wait depends on the data: a long first wait (a payment link), then a short one (the status query).
  const linkSaga = defineSaga<CheckoutData>({
    ...checkoutSaga,
    steps: checkoutSaga.steps.map((step) =>
      step.name === 'authorisePayment'
        ? {
            ...step,
            timeoutMs: (data: CheckoutData, context: { timeouts: number }) => (data.paidUpFront === false && context.timeouts === 0 ? 3_600_000 : 60_000),
            onTimeout: (data: CheckoutData, context: { timeouts: number }) => (context.timeouts === 1 ? { outcome: 'waiting' as const, data } : failed('STEP_TIMED_OUT')),
            on: { ...step.on, LinkLapsed: () => failed('LINK_LAPSED', 'nobody paid', undefined, { undo: true }) },
          }
        : step,
    ),
  });
  const awaitingLink = () =>
    drive(linkSaga, newSaga(linkSaga, 'order-1', { orderId: 'order-1', paidUpFront: false } as CheckoutData), [{ kind: 'start', at: at(0) }, reply('StockReserved', { reservationId: 'r' }, {}, 1)]).state;

  it('a step may decide its wait from the data and how many timeouts have passed', () => {
    const state = awaitingLink();
    expect(state.deadline?.at).toBe(at(3601));
    const queried = advance(linkSaga, state, timeoutOf(state, at(3601)));
    expect(queried.state.deadline?.at).toBe(at(3661));
  });

  it('a reply that keeps the step waiting may rearm its deadline from now (what it waits for changed) and say why on the timeline', () => {
    const rearming = defineSaga<CheckoutData>({
      ...linkSaga,
      steps: linkSaga.steps.map((step) => (step.name === 'authorisePayment' ? { ...step, on: { ...step.on, LinkResent: () => waiting(undefined, [], { rearm: true, detail: 'link sent again' }), Reminder: () => waiting() } } : step)),
    });
    const state = drive(rearming, newSaga(rearming, 'order-1', { orderId: 'order-1', paidUpFront: false } as CheckoutData), [{ kind: 'start', at: at(0) }, reply('StockReserved', { reservationId: 'r' }, {}, 1)]).state;
    const reminded = advance(rearming, state, reply('Reminder', {}, {}, 100));
    expect(reminded.state.deadline?.at).toBe(at(3601));
    const resent = advance(rearming, state, reply('LinkResent', {}, {}, 100));
    expect(resent.state.deadline?.at).toBe(at(3700));
    expect(resent.timeline).toContainEqual(expect.objectContaining({ step: 'authorisePayment', what: 'waiting', detail: 'link sent again' }));
  });

  it('a failed outcome with undo compensates the failed step too (what its action did stands)', () => {
    const lapsed = advance(linkSaga, awaitingLink(), reply('LinkLapsed', {}, {}, 10));
    expect(lapsed.state.failure).toMatchObject({ step: 'authorisePayment', reason: 'LINK_LAPSED' });
    expect(names(lapsed.effects)).toEqual(['VoidPayment']);
  });

  it('a timeout is an ordinary input: the timed-out step and the ones before it are undone', () => {
    const state = awaitingAuthorisation();
    const timedOut = advance(checkoutSaga, state, timeoutOf(state, at(62)));
    expect(timedOut.state.failure).toMatchObject({ step: 'authorisePayment', reason: 'STEP_TIMED_OUT' });
    // The authorisation may have happened with its reply still on the way: void it before releasing the stock.
    expect(names(timedOut.effects)).toEqual(['VoidPayment']);
    expect(timedOut.timeline.map((entry) => entry.what)).toEqual(['timed-out', 'failed', 'compensating']);
  });

  it('a step that allows resends sends the same command (same id) again before giving up', () => {
    const patient = defineSaga({ ...checkoutSaga, steps: checkoutSaga.steps.map((step) => (step.name === 'authorisePayment' ? { ...step, resends: 1 } : step)) });
    const { state } = drive(patient, newSaga(patient, 'order-1', { orderId: 'order-1' } as CheckoutData), [
      { kind: 'start', at: at(0) },
      reply('StockReserved', { reservationId: 'r' }, {}, 1),
    ]);
    const sent = state.commandIds[0];
    const first = advance(patient, state, timeoutOf(state, at(61)));
    expect(first.effects).toEqual([expect.objectContaining({ name: 'AuthorisePayment', id: sent, attempt: 1 })]);
    expect(first.deadline.set?.at).toBe(at(121));
    const second = advance(patient, first.state, timeoutOf(first.state, at(121)));
    expect(second.state.status).toBe('compensating');
  });

  it('a timeout for a deadline that was replaced or is not yet due changes nothing', () => {
    const start = started();
    const stale = advance(checkoutSaga, advance(checkoutSaga, start.state, reply('StockReserved', { reservationId: 'r' })).state, timeoutOf(start.state, at(31)));
    expect(stale.ignored).toEqual({ reason: 'stale', detail: expect.stringContaining('no longer set') });
    const early = advance(checkoutSaga, start.state, timeoutOf(start.state, at(29)));
    expect(early.ignored?.reason).toBe('stale');
    expect(early.state).toEqual(start.state);
  });

  it('after a restart (state stored as JSON and read back) every input behaves exactly as before', () => {
    const inputs: SagaInput[] = [
      { kind: 'start', at: at(0) },
      reply('StockReserved', { reservationId: 'res-9' }, { eventId: 'e1' }, 1),
      reply('StockReserved', { reservationId: 'res-9' }, { eventId: 'e1' }, 2),
      { kind: 'timeout', deadline: { step: 'authorisePayment', phase: 'action', attempt: 1, at: at(61) }, at: at(70) },
      reply('PaymentVoided', {}, { eventId: 'e2' }, 71),
      reply('StockReleased', {}, { eventId: 'e3' }, 72),
    ];
    const live = drive(checkoutSaga, newSaga(checkoutSaga, 'order-1', { orderId: 'order-1' } as CheckoutData), inputs);
    let restarted = newSaga(checkoutSaga, 'order-1', { orderId: 'order-1' } as CheckoutData);
    const afterRestarts = inputs.map((input) => {
      const result = advance(checkoutSaga, JSON.parse(JSON.stringify(restarted)), input);
      restarted = result.state;
      return result;
    });
    expect(JSON.parse(JSON.stringify(afterRestarts))).toEqual(JSON.parse(JSON.stringify(live.results)));
    expect(live.state.status).toBe('compensated');
    expect(live.results[3].effects.map((effect) => effect.name)).toEqual(['VoidPayment']);
  });

  it('a compensation that is never confirmed is sent again, then goes to review', () => {
    const { state } = runCheckout({}, { AuthorisePayment: { type: 'PaymentDeclined' }, ReleaseStock: 'silence' });
    const releaseId = state.commandIds[0];
    const again = advance(checkoutSaga, state, timeoutOf(state, at(100)));
    expect(again.effects).toEqual([expect.objectContaining({ name: 'ReleaseStock', id: releaseId })]);
    const twice = advance(checkoutSaga, again.state, timeoutOf(again.state, at(200)));
    const review = advance(checkoutSaga, twice.state, timeoutOf(twice.state, at(300)));
    expect(review.state.status).toBe('in_review');
    expect(review.review[0]).toMatchObject({ step: 'reserveStock', phase: 'compensation', reason: 'COMPENSATION_FAILED', allowedActions: ['retry', 'accept'] });
  });
});

describe('an operator retry of a command whose outcome is unknown', () => {
  const unconfirmedRelease = () => {
    let { state } = runCheckout({}, { AuthorisePayment: { type: 'PaymentDeclined' }, ReleaseStock: 'silence' });
    for (const seconds of [100, 200, 300]) state = advance(checkoutSaga, state, timeoutOf(state, at(seconds))).state;
    return state;
  };

  it('sends the unconfirmed compensation again with the same command id, and its confirmation finishes the saga', () => {
    const state = unconfirmedRelease();
    const releaseId = state.commandIds[0];
    expect(state.review).toMatchObject({ phase: 'compensation', reason: 'COMPENSATION_FAILED', retry: 'same-command' });
    const retried = advance(checkoutSaga, state, { kind: 'resolve', reviewId: state.review!.id, action: 'retry', by: 'operator:alice', at: at(400) });
    expect(retried.effects).toEqual([expect.objectContaining({ name: 'ReleaseStock', phase: 'compensation', id: releaseId, attempt: 1 })]);
    expect(retried.state).toMatchObject({ status: 'compensating', review: null, awaiting: true, timeouts: 0, deadline: { step: 'reserveStock', phase: 'compensation', at: at(430) } });
    expect(retried.timeline.map((entry) => entry.what)).toEqual(['review-resolved', 'resent']);
    const released = advance(checkoutSaga, retried.state, reply('StockReleased', {}, { commandId: releaseId }, 401));
    expect(released.state.status).toBe('compensated');
  });

  it('a compensation still unconfirmed after the retry opens a new review item with its own id', () => {
    const state = unconfirmedRelease();
    let retried = advance(checkoutSaga, state, { kind: 'resolve', reviewId: state.review!.id, action: 'retry', by: 'ops', at: at(400) }).state;
    for (const seconds of [430, 460, 490]) retried = advance(checkoutSaga, retried, timeoutOf(retried, at(seconds))).state;
    expect(retried.status).toBe('in_review');
    expect(retried.review!.id).not.toBe(state.review!.id);
    expect(retried.reviews).toBe(2);
  });

  it('a step after the pivot that timed out is retried with the same command id; a late reply to it still counts', () => {
    const silent = runCheckout({}, { CapturePayment: 'silence' });
    const captureId = silent.effects[silent.effects.length - 1].id;
    const state = advance(checkoutSaga, silent.state, timeoutOf(silent.state, at(100))).state;
    expect(state.review).toMatchObject({ step: 'capturePayment', phase: 'action', reason: 'STEP_TIMED_OUT', retry: 'same-command' });
    const retried = advance(checkoutSaga, state, { kind: 'resolve', reviewId: state.review!.id, action: 'retry', by: 'ops', at: at(200) });
    expect(retried.effects).toEqual([expect.objectContaining({ name: 'CapturePayment', id: captureId, attempt: 1 })]);
    expect(retried.state).toMatchObject({ status: 'running', step: 'capturePayment', awaiting: true });
    const captured = advance(checkoutSaga, retried.state, reply('PaymentCaptured', {}, { commandId: captureId }, 201));
    expect(captured.state.status).toBe('completed');
  });
});

describe('replies that change nothing', () => {
  it('a second delivery of the same reply is ignored as a duplicate', () => {
    const first = started();
    const partial = defineSaga({
      name: 'multi',
      version: 1,
      pivot: 'collect',
      steps: [sagaStep<{ n: number }>('collect', { action: () => send('Ask'), on: { Part: (_r, data) => (data.n + 1 >= 3 ? done({ n: data.n + 1 }) : { outcome: 'waiting', data: { n: data.n + 1 } }) } })],
    });
    const { state, results } = drive(partial, newSaga(partial, 's', { n: 0 }), [
      { kind: 'start', at: at(0) },
      reply('Part', {}, { eventId: 'p1' }),
      reply('Part', {}, { eventId: 'p1' }),
    ]);
    expect(state.data.n).toBe(1);
    expect(results[2].ignored).toEqual({ reason: 'duplicate', detail: 'Part p1 was already handled by step collect' });
    expect(first.ignored).toBeUndefined();
  });

  it.each([
    ['a reply the current step does not wait for', reply('PaymentAuthorised', { authorisationId: 'a' }), 'stale'],
    ['a reply answering another command', reply('StockReserved', { reservationId: 'r' }, { commandId: 'someone-else' }), 'stale'],
    ['a second start', { kind: 'start', at: at(3) } as SagaInput, 'duplicate'],
  ])('%s is ignored and said so', (_what, input, reason) => {
    const { state } = started();
    const result = advance(checkoutSaga, state, input);
    expect(result.ignored?.reason).toBe(reason);
    expect(result.state).toEqual(state);
    expect(result.effects).toEqual([]);
  });

  it('a reply for a step already completed is stale, and any input to a finished saga says it is finished', () => {
    const { state } = runCheckout();
    expect(advance(checkoutSaga, state, reply('StockReserved', { reservationId: 'x' })).ignored?.reason).toBe('finished');
    expect(advance(checkoutSaga, state, { kind: 'cancel', reason: 'late', at: at(9) }).ignored?.reason).toBe('finished');
    const midway = runCheckout({}, { AuthorisePayment: 'silence' }).state;
    expect(advance(checkoutSaga, midway, reply('StockReserved', { reservationId: 'x' })).ignored).toEqual({
      reason: 'stale',
      detail: 'action of step authorisePayment does not wait for StockReserved',
    });
  });

  it('a predicate can refuse a reply that does not belong to this saga', () => {
    const picky = defineSaga({
      name: 'picky',
      version: 1,
      pivot: 'wait',
      steps: [sagaStep<{ want: string }>('wait', { action: () => send('Ask'), on: { Answer: { matches: (r, d) => (r.payload as { ref: string }).ref === d.want, handle: () => done() } } })],
    });
    const { results } = drive(picky, newSaga(picky, 's', { want: 'mine' }), [
      { kind: 'start', at: at(0) },
      reply('Answer', { ref: 'theirs' }),
      reply('Answer', { ref: 'mine' }),
    ]);
    expect(results[1].ignored?.reason).toBe('stale');
    expect(results[2].state.status).toBe('completed');
  });
});

describe('compensation that fails', () => {
  it.each([
    ['the participant refuses the undo', { VoidPayment: { type: 'PaymentVoidRefused', payload: { why: 'gateway error' } } }, {}, 'COMPENSATION_FAILED', 'VOID_REFUSED: gateway error'],
    ['the state cannot be undone', {}, { alreadyCaptured: true }, 'PAYMENT_VOID_FAILED', 'already captured'],
  ])('%s: a review item with its reason, retry or accept', (_what, extraAnswers, data, reason, detail) => {
    const { state, results } = runCheckout(data, { ReleaseToWarehouse: { type: 'ReleaseRefused' }, ...extraAnswers });
    expect(state.status).toBe('in_review');
    expect(results[results.length - 1].review).toEqual([
      expect.objectContaining({ step: 'authorisePayment', phase: 'compensation', reason, detail, allowedActions: ['retry', 'accept'] }),
    ]);
    // Nothing older is undone while the payment is unsettled.
    expect(state.toCompensate).toEqual(['authorisePayment', 'reserveStock']);
  });

  it('accept (undone by hand) carries on with the older compensations; retry sends the undo again as attempt 2', () => {
    const { state } = runCheckout({}, { ReleaseToWarehouse: { type: 'ReleaseRefused' }, VoidPayment: { type: 'PaymentVoidRefused', payload: { why: 'x' } } });
    const accepted = advance(checkoutSaga, state, { kind: 'resolve', reviewId: state.review!.id, action: 'accept', by: 'ops', at: at(60) });
    expect(names(accepted.effects)).toEqual(['ReleaseStock']);
    const retried = advance(checkoutSaga, state, { kind: 'resolve', reviewId: state.review!.id, action: 'retry', by: 'ops', at: at(60) });
    expect(retried.effects).toEqual([expect.objectContaining({ name: 'VoidPayment', phase: 'compensation', attempt: 2 })]);
    expect(retried.state.status).toBe('compensating');
  });
});

describe('deterministic ids', () => {
  it('the same inputs on the same state emit the same command and review ids', () => {
    const once = runCheckout({}, { CapturePayment: { type: 'CaptureFailed' } });
    const again = runCheckout({}, { CapturePayment: { type: 'CaptureFailed' } });
    expect(again.effects.map((effect) => effect.id)).toEqual(once.effects.map((effect) => effect.id));
    expect(again.state.review!.id).toBe(once.state.review!.id);
    for (const effect of once.effects) expect(effect.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('ids differ by saga, saga id, step, phase, attempt and key', () => {
    const base = { saga: 'order', sagaId: 'o-1', step: 'reserveStock', phase: 'action', attempt: 1 };
    const variants = [base, { ...base, saga: 'return' }, { ...base, sagaId: 'o-2' }, { ...base, step: 'authorisePayment' }, { ...base, phase: 'compensation' }, { ...base, attempt: 2 }, { ...base, key: 'shipment-1' }];
    expect(new Set(variants.map(sagaCommandId)).size).toBe(variants.length);
    expect(sagaCommandId(base)).toBe(sagaCommandId({ ...base }));
  });
});

describe('definitions', () => {
  const step = sagaStep<object>('a', { action: () => send('A') });
  it.each([
    ['a pivot that is not a step', { steps: [step], pivot: 'b' }, /pivot b is not one of its steps/],
    ['a step declared twice', { steps: [step, step], pivot: 'a' }, /step a is declared twice/],
    ['a compensation after the pivot', { steps: [step, sagaStep<object>('b', { action: () => send('B'), compensation: { run: () => send('UndoB') } })], pivot: 'a' }, /b comes after the pivot/],
  ])('refuses %s at start-up', (_what, shape, message) => {
    expect(() => defineSaga({ name: 's', version: 1, ...shape })).toThrow(SagaDefinitionError);
    expect(() => defineSaga({ name: 's', version: 1, ...shape })).toThrow(message);
  });

  it('a stored instance is only advanced by the definition version it started with', () => {
    const { state } = started();
    const v2 = defineSaga({ ...checkoutSaga, version: 2 });
    expect(() => advance(v2, state, reply('StockReserved', {}))).toThrow(SagaStateError);
    expect(() => advance(v2, state, reply('StockReserved', {}))).toThrow(/keep the old definition/);
  });

  it('an input without a valid time is refused with a clear error, not a half-made deadline', () => {
    const { state } = started();
    expect(() => advance(checkoutSaga, state, { kind: 'reply', reply: { type: 'StockReserved', payload: {} }, at: 'yesterday' })).toThrow(/needs its time as an ISO string/);
  });

  it('advance never changes the state it is given', () => {
    const { state } = started();
    const copy = JSON.parse(JSON.stringify(state));
    advance(checkoutSaga, state, reply('StockReserved', { reservationId: 'r' }));
    expect(state).toEqual(copy);
  });

  it('failed() carries a reason the review and timeline show', () => {
    expect(failed('X', 'why')).toEqual({ outcome: 'failed', reason: 'X', detail: 'why', data: undefined });
  });
});

/** Confirms each undo the saga asks for until it is no longer compensating: the undos in order, and the last result. */
function confirmEveryUndo(first: SagaResult<CheckoutData>, seconds: number) {
  let result = first;
  const undone: string[] = names(result.effects);
  while (result.state.status === 'compensating') {
    const last = result.effects[result.effects.length - 1];
    result = advance(checkoutSaga, result.state, reply(confirmations[last.name].type, {}, { commandId: last.id }, seconds));
    undone.push(...names(result.effects));
  }
  return { undone, result };
}

import {
  checkSaga,
  defineSaga,
  type SagaDeclaration,
  finalStepOf,
  forwardPathOf,
  historyOrderOf,
  HISTORY_ORDER,
  SAGA,
  undoPlanOf,
} from '@lib/saga/definition';
import { inHistoryOrder } from '@lib/domain/saga-history';
import type { LogEntry } from '@lib/domain/log-audit';
import { saga as withShipping } from '../../deploy/fixtures/saga-with-shipping';

// The declaration drives the first step, the undos recovery runs and their order, the step the log
// scan takes as the end of a saga, and the order of the saga history: a declaration whose steps are
// renamed and reordered yields all of them renamed and reordered, with nothing else changed.
const step = (service: string, name: string) => ({ service, handler: `functions/saga/${name}.handler` });
const renamed = defineSaga({
  ...SAGA,
  firstStep: 'hold-goods',
  // Declared in a different order from the shop's: the order of the history does not follow it.
  steps: {
    'close-order': { ...step('order', 'close-order'), onDone: null, onRefused: null },
    'return-goods': { ...step('stock', 'return-goods'), onDone: 'close-order', onRefused: null },
    'take-money': {
      ...step('payment', 'take-money'),
      onDone: 'close-order',
      onRefused: 'return-goods',
      recoveryCompensation: 'stop-money',
    },
    'hold-goods': {
      ...step('stock', 'hold-goods'),
      onDone: 'take-money',
      onRefused: 'close-order',
      compensation: 'return-goods',
    },
  },
  senders: { checkout: { sendsTo: ['hold-goods'] }, replayLog: { sendsTo: ['hold-goods', 'take-money'] } },
});

describe('the saga declaration drives', () => {
  it('the shop’s saga as before: reserve-stock first, abort-charge then release-stock, complete-order last', () => {
    expect(checkSaga(SAGA)).toEqual([]);
    expect(forwardPathOf(SAGA)).toEqual(['reserve-stock', 'charge-payment', 'complete-order']);
    expect(finalStepOf(SAGA)).toBe('complete-order');
    expect(undoPlanOf(SAGA)).toEqual([
      { step: 'charge-payment', undo: 'abort-charge', fencesOnly: true },
      { step: 'reserve-stock', undo: 'release-stock', fencesOnly: false },
    ]);
    expect(HISTORY_ORDER).toEqual(['begin-checkout', 'reserve-stock', 'charge-payment', 'abort-charge', 'release-stock', 'complete-order']);
  });

  it('a renamed, reordered declaration: its own first step, undos, final step and history order', () => {
    expect(checkSaga(renamed)).toEqual([]);
    expect(forwardPathOf(renamed)).toEqual(['hold-goods', 'take-money', 'close-order']);
    expect(finalStepOf(renamed)).toBe('close-order');
    expect(undoPlanOf(renamed)).toEqual([
      { step: 'take-money', undo: 'stop-money', fencesOnly: true },
      { step: 'hold-goods', undo: 'return-goods', fencesOnly: false },
    ]);
    expect(historyOrderOf(renamed)).toEqual(['hold-goods', 'take-money', 'stop-money', 'return-goods', 'close-order']);
  });

  it('a step added with its compensation ("Adding a step"): undone before the steps before it, listed in between', () => {
    expect(checkSaga(withShipping)).toEqual([]);
    expect(undoPlanOf(withShipping).map(({ undo }) => undo)).toEqual(['abort-charge', 'release-shipping', 'release-stock']);
    expect(historyOrderOf(withShipping)).toEqual([
      'reserve-stock',
      'reserve-shipping',
      'charge-payment',
      'abort-charge',
      'release-shipping',
      'release-stock',
      'complete-order',
    ]);
  });
});

/** A variant that breaks a rule the types alone would catch first. */
const variant = (declaration: object) => declaration as SagaDeclaration;

describe("the saga history's order", () => {
  // Three services' entries of one millisecond: only the declaration's order can tell them apart.
  const entry = (service: LogEntry['service'], step: string, t = 1000): LogEntry => ({
    service,
    id: `${t}-0`,
    fields: { t: String(t), saga: 's', step },
  });
  const sameMillisecond = [entry('order', 'close-order'), entry('stock', 'return-goods'), entry('payment', 'stop-money')];
  const steps = (entries: LogEntry[]) => entries.map((logged) => logged.fields.step);

  it('follows the declaration it is given, whatever order the logs were read in', () => {
    expect(steps(inHistoryOrder(sameMillisecond, historyOrderOf(renamed)))).toEqual(['stop-money', 'return-goods', 'close-order']);
    expect(steps(inHistoryOrder([...sameMillisecond].reverse(), historyOrderOf(renamed)))).toEqual([
      'stop-money',
      'return-goods',
      'close-order',
    ]);
  });

  it("puts the shop's compensation before the verdict it leads to, and time before either", () => {
    const refused = [entry('order', 'complete-order'), entry('stock', 'release-stock'), entry('payment', 'charge-payment', 999)];
    expect(steps(inHistoryOrder(refused, HISTORY_ORDER))).toEqual(['charge-payment', 'release-stock', 'complete-order']);
  });
});

describe('checkSaga holds the routes to the declared compensations', () => {
  it('refuses a refusal that skips the compensation due', () => {
    const skips = {
      ...renamed,
      steps: { ...renamed.steps, 'take-money': { ...renamed.steps['take-money'], onRefused: 'close-order' } },
    };
    expect(checkSaga(variant(skips))).toContain(
      'take-money.onRefused sends to "close-order", but a refusal there must go to "return-goods"',
    );
  });

  it('refuses a compensation that does not hand on to the one before it', () => {
    const stops = {
      ...withShipping,
      steps: {
        ...withShipping.steps,
        'release-shipping': { ...withShipping.steps['release-shipping'], onDone: 'complete-order' },
      },
    };
    expect(checkSaga(variant(stops))).toContain(
      'release-shipping.onDone sends to "complete-order", but it must hand on to "release-stock"',
    );
  });

  it('refuses a first step that is not a step, or that no sender begins', () => {
    expect(checkSaga(variant({ ...renamed, firstStep: 'hold-good' }))).toContain('firstStep names "hold-good", which is not a step');
    const unsent = {
      ...renamed,
      senders: { checkout: { sendsTo: ['take-money'] }, replayLog: { sendsTo: ['take-money'] } },
    };
    expect(checkSaga(variant(unsent))).toContain('no sender sends to the first step "hold-goods": nothing would begin a saga');
  });

  it('refuses steps that send to each other in a loop', () => {
    const loops = {
      ...renamed,
      steps: { ...renamed.steps, 'return-goods': { ...renamed.steps['return-goods'], onDone: 'hold-goods' } },
    };
    expect(checkSaga(variant(loops))).toContain('the steps send to each other in a loop');
  });
});

import { checkoutLines, parseSagaMessage, type SagaMessage } from '@lib/domain/checkout';
import { Refusal } from '@lib/domain/errors';
import { nextMessage, STEP_NAMES } from '@lib/saga/steps';

const message: SagaMessage = {
  sagaId: 's1',
  orderId: 'o1',
  userId: 'u1',
  lines: [['a', 2]],
  totalCost: 10,
  deadlineAt: 1_800_000_000_000,
};

describe('the step table', () => {
  it('chains reserve-stock → charge-payment → complete-order when every step succeeds', () => {
    expect(nextMessage('reserve-stock', message, { status: 'done' })).toEqual({
      step: 'charge-payment',
      message,
    });
    expect(nextMessage('charge-payment', message, { status: 'done' })).toEqual({
      step: 'complete-order',
      message,
    });
    expect(nextMessage('complete-order', message, { status: 'done' })).toBeNull();
  });

  it('sends a stock refusal straight to complete-order, carrying the reason', () => {
    expect(nextMessage('reserve-stock', message, { status: 'refused', reason: 'no stock' })).toEqual({
      step: 'complete-order',
      message: { ...message, refusal: 'no stock' },
    });
  });

  it('compensates a payment refusal with release-stock, which then completes the order as refused', () => {
    const released = nextMessage('charge-payment', message, { status: 'refused', reason: 'no credit' });
    expect(released).toEqual({ step: 'release-stock', message: { ...message, refusal: 'no credit' } });
    expect(nextMessage('release-stock', released!.message, { status: 'done' })).toEqual({
      step: 'complete-order',
      message: { ...message, refusal: 'no credit' },
    });
  });

  it('sends nothing after a fenced step or an expired message', () => {
    for (const step of STEP_NAMES) expect(nextMessage(step, message, { status: 'fenced' })).toBeNull();
    for (const step of STEP_NAMES) expect(nextMessage(step, message, { status: 'expired' })).toBeNull();
  });
});

describe('saga messages', () => {
  it('round-trip through JSON', () => {
    expect(parseSagaMessage(JSON.stringify({ ...message, refusal: 'why' }))).toEqual({
      ...message,
      refusal: 'why',
    });
  });

  it.each([
    ['not JSON', '{'],
    ['no lines', JSON.stringify({ ...message, lines: [] })],
    ['a zero quantity', JSON.stringify({ ...message, lines: [['a', 0]] })],
    ['a fractional total', JSON.stringify({ ...message, totalCost: 1.5 })],
    ['a bad saga id', JSON.stringify({ ...message, sagaId: 'a b' })],
    ['a missing user', JSON.stringify({ ...message, userId: undefined })],
    ['no deadline (it could not be judged late)', JSON.stringify({ ...message, deadlineAt: undefined })],
  ])('refuses a message with %s', (_case, body) => {
    expect(() => parseSagaMessage(body)).toThrow(Refusal);
  });

  it('sums the quantities of an item listed twice and sorts the lines', () => {
    expect(checkoutLines('b 1,a 2,b 3')).toEqual([
      ['a', 2],
      ['b', 4],
    ]);
  });
});

import { Refusal } from '@lib/domain/errors';
import { MAX_VALUE, parseAmount, parseBalance, parseBatchSize, parseId } from '@lib/domain/input';

const refusalOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof Refusal ? error.kind : 'other';
  }
  return 'accepted';
};

describe('parseAmount', () => {
  it.each(['1', '42', String(MAX_VALUE), '007'])('accepts %s', (raw) => {
    expect(parseAmount(raw, 'amount')).toBe(Number(raw));
  });

  it.each(['0', '-1', '1.5', '1e3', '+1', ' 1', 'abc', '', '9007199254740992', '99999999999999999999999', '0x10'])(
    'refuses %p as invalid input',
    (raw) => {
      expect(refusalOf(() => parseAmount(raw, 'amount'))).toBe('invalid');
    },
  );

  it('names the parameter in its message', () => {
    expect(() => parseAmount('x', 'quantity')).toThrow(/quantity/);
  });
});

describe('parseBalance', () => {
  it('accepts 0, unlike an amount', () => {
    expect(parseBalance('0', 'price')).toBe(0);
    expect(refusalOf(() => parseAmount('0', 'amount'))).toBe('invalid');
  });
});

describe('parseBatchSize', () => {
  it('refuses batches above the limit', () => {
    expect(parseBatchSize('1000000', 'n')).toBe(1_000_000);
    expect(refusalOf(() => parseBatchSize('1000001', 'n'))).toBe('invalid');
  });
});

describe('parseId', () => {
  it.each(['0', 'x1f', 'user_7', 'A-b', 'a'.repeat(64)])('accepts %s', (raw) => {
    expect(parseId(raw, 'item_id')).toBe(raw);
  });

  it.each(['', 'a'.repeat(65), 'a b', 'a,b', '{stock}', 'é', 'a/b', '../x'])('refuses %p', (raw) => {
    expect(refusalOf(() => parseId(raw, 'item_id'))).toBe('invalid');
  });

  it('refuses a missing id', () => {
    expect(refusalOf(() => parseId(undefined, 'item_id'))).toBe('invalid');
  });
});

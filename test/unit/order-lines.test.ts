import { decodeLines, encodeLines, quantitiesPerItem } from '@lib/domain/order';

describe('order lines', () => {
  it('round-trips lines, keeping their order and repeated items', () => {
    const lines: [string, number][] = [
      ['a', 2],
      ['b', 1],
      ['a', 3],
    ];
    expect(decodeLines(encodeLines(lines))).toEqual(lines);
  });

  it('keeps quantities up to 2^53-1 exact', () => {
    const lines: [string, number][] = [['big', Number.MAX_SAFE_INTEGER]];
    expect(encodeLines(lines)).toBe('big 9007199254740991');
    expect(decodeLines(encodeLines(lines))).toEqual(lines);
  });

  it('decodes an empty order to no lines', () => {
    expect(decodeLines('')).toEqual([]);
  });

  it('sums the quantities of an item listed twice', () => {
    expect([
      ...quantitiesPerItem([
        ['a', 2],
        ['b', 1],
        ['a', 3],
      ]),
    ]).toEqual([
      ['a', 5],
      ['b', 1],
    ]);
  });
});

import { checkInvariants, type SystemState } from '@lib/domain/invariants';

const balanced = (): SystemState => ({
  items: [
    { id: 'a', stock: 7, direct: 10 },
    { id: 'b', stock: 4, direct: 5 },
  ],
  users: [{ id: 'u', credit: 80, direct: 100 }],
  orders: [
    {
      id: 'o1',
      paid: true,
      userId: 'u',
      totalCost: 20,
      lines: [
        ['a', 2],
        ['b', 1],
        ['a', 1],
      ],
      checkout: '',
    },
    { id: 'o2', paid: false, userId: 'u', totalCost: 50, lines: [['a', 5]], checkout: '' },
  ],
  openSagaIds: [],
});

describe('the invariant check', () => {
  it('passes a state where every balance matches its changes and the paid orders', () => {
    const verdict = checkInvariants(balanced());
    expect(verdict.violations).toEqual([]);
    expect(verdict.summary).toMatch(/^check: OK — 2 items, 1 users, 2 orders \(1 paid\), 0 open sagas$/);
  });

  it('finds stock taken without a paid order, and a charge without one', () => {
    const state = balanced();
    state.items[1].stock = 3;
    state.users[0].credit = 70;
    const verdict = checkInvariants(state);
    expect(verdict.ok).toBe(false);
    expect(verdict.violations).toEqual([
      'item b: stock 3, but its changes and paid orders give 4',
      'user u: credit 70, but their changes and paid orders give 80',
    ]);
  });

  it('finds a paid order whose stock or credit was never taken', () => {
    const state = balanced();
    state.orders[1].paid = true;
    expect(checkInvariants(state).violations).toHaveLength(2);
  });

  it('finds negative balances, open sagas and orders held by a saga that is gone', () => {
    const state = balanced();
    state.items.push({ id: 'c', stock: -1, direct: -1 });
    state.orders[1].checkout = 'ghost';
    state.openSagaIds = ['s1'];
    const violations = checkInvariants(state).violations;
    expect(violations).toEqual(
      expect.arrayContaining([
        'item c has negative stock -1',
        'order o2 is held by saga ghost, which is not open',
        expect.stringMatching(/^1 saga\(s\) still open/),
      ]),
    );
  });
});

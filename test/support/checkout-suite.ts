import type { HttpAnswer } from '../../scripts/stack/child-stack';

type Call = (path: string) => Promise<HttpAnswer>;

/** The checkout suite, against whatever stack `post` and `get` reach: run once per Redis topology. */
export function checkoutSuite(post: Call, get: Call): void {
  async function user(credit: number): Promise<string> {
    const { user_id } = (await post('/payment/create_user')).body;
    if (credit > 0) await post(`/payment/add_funds/${user_id}/${credit}`);
    return user_id;
  }

  async function item(price: number, stock: number): Promise<string> {
    const { item_id } = (await post(`/stock/item/create/${price}`)).body;
    if (stock > 0) await post(`/stock/add/${item_id}/${stock}`);
    return item_id;
  }

  async function order(userId: string, lines: [string, number][]): Promise<string> {
    const { order_id } = (await post(`/orders/create/${userId}`)).body;
    for (const [itemId, quantity] of lines) expect((await post(`/orders/addItem/${order_id}/${itemId}/${quantity}`)).status).toBe(200);
    return order_id;
  }

  const stockOf = async (itemId: string) => (await get(`/stock/find/${itemId}`)).body.stock;
  const creditOf = async (userId: string) => (await get(`/payment/find_user/${userId}`)).body.credit;
  const paid = async (orderId: string) => (await get(`/orders/find/${orderId}`)).body.paid;

  describe('checkout', () => {
    it('takes the stock, charges the credit and marks the order paid', async () => {
      const buyer = await user(100);
      const pen = await item(7, 10);
      const ink = await item(3, 10);
      const orderId = await order(buyer, [
        [pen, 2],
        [ink, 1],
      ]);
      const answer = await post(`/orders/checkout/${orderId}`);
      expect(answer).toMatchObject({ status: 200, body: { order_id: orderId, paid: true } });
      expect(answer.contentType).toMatch(/^application\/json/);
      expect([await stockOf(pen), await stockOf(ink), await creditOf(buyer), await paid(orderId)]).toEqual([8, 9, 83, true]);
    });

    it('refuses when an item is out of stock, names it, and changes nothing', async () => {
      const buyer = await user(100);
      const plenty = await item(1, 10);
      const scarce = await item(1, 1);
      const orderId = await order(buyer, [
        [plenty, 1],
        [scarce, 2],
      ]);
      const answer = await post(`/orders/checkout/${orderId}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toContain(scarce);
      expect([await stockOf(plenty), await stockOf(scarce), await creditOf(buyer), await paid(orderId)]).toEqual([10, 1, 100, false]);
    });

    it('refuses when the credit is short, gives the stock back, and changes nothing', async () => {
      const buyer = await user(5);
      const thing = await item(6, 3);
      const orderId = await order(buyer, [[thing, 1]]);
      const answer = await post(`/orders/checkout/${orderId}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/credit/);
      expect([await stockOf(thing), await creditOf(buyer), await paid(orderId)]).toEqual([3, 5, false]);
    });

    it('answers 404 for an unknown order and 400 for a malformed id', async () => {
      expect((await post('/orders/checkout/no-such-order')).status).toBe(404);
      expect((await post(`/orders/checkout/${'o'.repeat(65)}`)).status).toBe(400);
    });

    it('refuses an empty order', async () => {
      const orderId = await order(await user(10), []);
      const answer = await post(`/orders/checkout/${orderId}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/no items/);
      expect(await paid(orderId)).toBe(false);
    });

    it('answers 409 to a checkout of a paid order and charges nothing more', async () => {
      const buyer = await user(50);
      const thing = await item(10, 5);
      const orderId = await order(buyer, [[thing, 1]]);
      expect((await post(`/orders/checkout/${orderId}`)).status).toBe(200);
      const again = await post(`/orders/checkout/${orderId}`);
      expect(again.status).toBe(409);
      expect(typeof again.body.error).toBe('string');
      expect([await stockOf(thing), await creditOf(buyer)]).toEqual([4, 40]);
    });

    it('refuses to add items to a paid order', async () => {
      const buyer = await user(50);
      const thing = await item(10, 5);
      const orderId = await order(buyer, [[thing, 1]]);
      await post(`/orders/checkout/${orderId}`);
      expect((await post(`/orders/addItem/${orderId}/${thing}/1`)).status).toBe(409);
    });

    it('takes the summed quantity of an item listed twice', async () => {
      const buyer = await user(100);
      const thing = await item(4, 5);
      const orderId = await order(buyer, [
        [thing, 2],
        [thing, 3],
      ]);
      expect((await get(`/orders/find/${orderId}`)).body.items).toEqual([
        [thing, 2],
        [thing, 3],
      ]);
      expect((await post(`/orders/checkout/${orderId}`)).status).toBe(200);
      expect([await stockOf(thing), await creditOf(buyer)]).toEqual([0, 80]);
    });

    it('refuses an item listed twice whose summed quantity exceeds the stock, though each line alone fits', async () => {
      const buyer = await user(100);
      const thing = await item(1, 4);
      const orderId = await order(buyer, [
        [thing, 3],
        [thing, 3],
      ]);
      expect((await post(`/orders/checkout/${orderId}`)).status).toBe(400);
      expect([await stockOf(thing), await creditOf(buyer)]).toEqual([4, 100]);
    });

    it('charges once when 50 checkouts of the same order run at once', async () => {
      const buyer = await user(1_000);
      const thing = await item(10, 100);
      const orderId = await order(buyer, [[thing, 1]]);
      const answers = await Promise.all(Array.from({ length: 50 }, () => post(`/orders/checkout/${orderId}`)));
      expect(answers.filter((a) => a.status >= 500)).toEqual([]);
      // Each either shared the running saga's verdict (200) or found the order already paid (409).
      expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
      expect(answers.some((a) => a.status === 200)).toBe(true);
      expect([await stockOf(thing), await creditOf(buyer), await paid(orderId)]).toEqual([99, 990, true]);
    });

    it('1000 checkouts against stock 100, 100 in flight: exactly 100 pay, the rest change nothing', async () => {
      const n = 1_000;
      const thing = '0';
      expect((await post('/stock/batch_init/1/100/1')).status).toBe(200);
      expect((await post(`/payment/batch_init/${n}/1`)).status).toBe(200);
      // Orders of one unit of item "0", user i for order i (the batch_init of orders picks at random).
      const orders: string[] = [];
      for (let start = 0; start < n; start += 100) {
        orders.push(...(await Promise.all(Array.from({ length: 100 }, (_, i) => order(String(start + i), [[thing, 1]])))));
      }
      const statuses = new Array<number>(n);
      let next = 0;
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          while (next < n) {
            const index = next++;
            statuses[index] = (await post(`/orders/checkout/${orders[index]}`)).status;
          }
        }),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      expect(statuses.filter((s) => s === 400)).toHaveLength(900);
      expect(await stockOf(thing)).toBe(0);
      const credits = await Promise.all(Array.from({ length: n }, (_, i) => creditOf(String(i))));
      expect(credits.reduce((sum, credit) => sum + credit, 0)).toBe(900);
      const paidFlags = await Promise.all(orders.map(paid));
      // Exactly the orders answered 200 are paid, and exactly their users were charged.
      paidFlags.forEach((isPaid, index) => {
        expect({ index, isPaid, charged: credits[index] === 0 }).toEqual({
          index,
          isPaid: statuses[index] === 200,
          charged: statuses[index] === 200,
        });
      });
    }, 120_000);
  });
}

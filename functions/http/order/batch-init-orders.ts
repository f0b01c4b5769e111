import { conflict } from '@lib/domain/errors';
import { parseBatchSize, parseInteger, MAX_VALUE } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { batchInitOrders } from '@lib/store/order-store';

export const handler = httpRoute().handler(async (event) => {
  const count = parseBatchSize(pathParam(event, 'n'), 'n');
  const itemCount = parseBatchSize(pathParam(event, 'n_items'), 'n_items');
  const userCount = parseBatchSize(pathParam(event, 'n_users'), 'n_users');
  // Each order holds two items, so its total_cost is twice the price.
  const price = parseInteger(pathParam(event, 'item_price'), 'item_price', 0, Math.floor(MAX_VALUE / 2));
  const { kept } = await batchInitOrders(count, itemCount, userCount, price);
  if (kept.length > 0) {
    throw conflict(
      `${kept.length} order(s) were being checked out and were kept as they are (${kept.slice(0, 10).join(', ')}); ` +
        `the other ${count - kept.length} were initialised. Repeat the call once those checkouts have finished.`,
    );
  }
  return { msg: 'Batch init for orders successful' };
});

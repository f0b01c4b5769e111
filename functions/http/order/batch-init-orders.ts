import { parseBalance, parseBatchSize, parseInteger, MAX_VALUE } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/http';
import { batchInitOrders } from '@lib/store/order-store';

export const handler = httpRoute().handler(async (event) => {
  const count = parseBatchSize(pathParam(event, 'n'), 'n');
  const itemCount = parseBatchSize(pathParam(event, 'n_items'), 'n_items');
  const userCount = parseBatchSize(pathParam(event, 'n_users'), 'n_users');
  // Each order holds two items, so its total_cost is twice the price.
  const price = parseInteger(pathParam(event, 'item_price'), 'item_price', 0, Math.floor(MAX_VALUE / 2));
  await batchInitOrders(count, itemCount, userCount, price);
  return { msg: 'Batch init for orders successful' };
});

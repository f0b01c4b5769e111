import { notFound } from '@lib/domain/errors';
import { parseAmount, parseId } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { addItemToOrder } from '@lib/store/order-store';
import { findItem } from '@lib/store/stock-store';

export const handler = httpRoute().handler(async (event) => {
  const orderId = parseId(pathParam(event, 'order_id'), 'order_id');
  const itemId = parseId(pathParam(event, 'item_id'), 'item_id');
  const quantity = parseAmount(pathParam(event, 'quantity'), 'quantity');
  const item = await findItem(itemId);
  if (!item) throw notFound(`Item ${itemId} does not exist.`);
  return { order_id: orderId, total_cost: await addItemToOrder(orderId, itemId, quantity, item.price) };
});

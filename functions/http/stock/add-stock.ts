import { parseAmount, parseId } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { changeStock } from '@lib/store/stock-store';

export const handler = httpRoute().handler(async (event) => {
  const itemId = parseId(pathParam(event, 'item_id'), 'item_id');
  const amount = parseAmount(pathParam(event, 'amount'), 'amount');
  return { item_id: itemId, stock: await changeStock(itemId, amount) };
});

import { parseBalance } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { createItem } from '@lib/store/stock-store';

export const handler = httpRoute().handler(async (event) => {
  const price = parseBalance(pathParam(event, 'price'), 'price');
  return { item_id: await createItem(price) };
});

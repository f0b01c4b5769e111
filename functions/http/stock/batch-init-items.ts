import { parseBalance, parseBatchSize } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { batchInitItems } from '@lib/store/stock-store';

export const handler = httpRoute().handler(async (event) => {
  const count = parseBatchSize(pathParam(event, 'n'), 'n');
  const stock = parseBalance(pathParam(event, 'starting_stock'), 'starting_stock');
  const price = parseBalance(pathParam(event, 'item_price'), 'item_price');
  await batchInitItems(count, stock, price);
  return { msg: 'Batch init for stock successful' };
});

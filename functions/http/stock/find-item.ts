import { notFound } from '@lib/domain/errors';
import { parseId } from '@lib/domain/input';
import { httpRoute, pathParam } from '@lib/lambda/http';
import { findItem } from '@lib/store/stock-store';

export const handler = httpRoute().handler(async (event) => {
  const itemId = parseId(pathParam(event, 'item_id'), 'item_id');
  const item = await findItem(itemId);
  if (!item) throw notFound(`Item ${itemId} does not exist.`);
  return item;
});

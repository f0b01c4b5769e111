import { httpRoute } from '@lib/http';
import { newId } from '@lib/store/ids-store';

export const handler = httpRoute().handler(async () => ({ id: await newId() }));

import { httpRoute } from '@lib/lambda/http';
import { newId } from '@lib/store/ids-store';

export const handler = httpRoute().handler(async () => ({ id: await newId() }));

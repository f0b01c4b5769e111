import { httpRoute } from '@lib/lambda/http';
import { createUser } from '@lib/store/payment-store';

export const handler = httpRoute().handler(async () => ({ user_id: await createUser() }));

import { sagaStep } from '@lib/lambda/saga-step';
import { completeOrder } from '@lib/store/saga-order';

export const handler = sagaStep('complete-order', completeOrder);

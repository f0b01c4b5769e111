import { sagaStep } from '@lib/lambda/saga-step';
import { reserveStock } from '@lib/store/saga-stock';

export const handler = sagaStep('reserve-stock', reserveStock);

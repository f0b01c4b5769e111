import { sagaStep } from '@lib/lambda/saga-step';
import { chargePayment } from '@lib/store/saga-payment';

export const handler = sagaStep('charge-payment', chargePayment);

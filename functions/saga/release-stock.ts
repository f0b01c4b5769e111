import { sagaStep } from '@lib/lambda/saga-step';
import { releaseStock } from '@lib/store/saga-stock';

export const handler = sagaStep('release-stock', releaseStock);

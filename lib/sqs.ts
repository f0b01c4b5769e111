import { SQSClient } from '@aws-sdk/client-sqs';

// One client per process. Locally SQS_ENDPOINT names the endpoint; on AWS it is unset and the
// SDK uses the region's own.
const endpoint = process.env.SQS_ENDPOINT?.trim() || undefined;

export const sqs = new SQSClient({ endpoint, maxAttempts: 3 });

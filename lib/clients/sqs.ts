import { SQSClient } from '@aws-sdk/client-sqs';
import { config } from './config';

// One client per process, made on first use. Locally the configuration names the endpoint; on AWS
// it names none and the SDK uses the region's own.
let current: { endpoint: string | undefined; client: SQSClient } | undefined;

export function sqsClient(): SQSClient {
  const endpoint = config.sqsEndpoint;
  if (!current || current.endpoint !== endpoint) {
    current?.client.destroy();
    current = { endpoint, client: new SQSClient({ endpoint, maxAttempts: 3 }) };
  }
  return current.client;
}

/** Closes the client's connections (scripts, tests); the next use makes a new one. */
export function closeSqsClient(): void {
  current?.client.destroy();
  current = undefined;
}

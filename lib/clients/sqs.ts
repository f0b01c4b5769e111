import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsClient } from '@sagashop/sqs-client';
import { config } from './config';

// Two clients per process, each made on first use. Locally the configuration names the endpoint;
// on AWS it names none and each uses the region's own.
// - sagaSqsClient(): our own (packages/sqs-client), for the messages of every checkout: the
//   saga's sends and the retry backoff's visibility changes. The AWS SDK's per-request machinery
//   was the largest CPU cost of a checkout (docs/performance.md, "Our own SQS client").
// - sqsClient(): the AWS SDK, for everything else (queue inspection, the operator, scripts).
let sdk: { endpoint: string | undefined; client: SQSClient } | undefined;
let own: { endpoint: string | undefined; region: string | undefined; client: SqsClient } | undefined;

export function sqsClient(): SQSClient {
  const endpoint = config.sqsEndpoint;
  if (!sdk || sdk.endpoint !== endpoint) {
    sdk?.client.destroy();
    sdk = { endpoint, client: new SQSClient({ endpoint, maxAttempts: 3 }) };
  }
  return sdk.client;
}

/** The client that sends, and changes the visibility of, saga messages. */
export function sagaSqsClient(): SqsClient {
  const { sqsEndpoint: endpoint, awsRegion: region } = config;
  if (!own || own.endpoint !== endpoint || own.region !== region) {
    own?.client.destroy();
    own = { endpoint, region, client: new SqsClient({ endpoint, region, maxAttempts: 3 }) };
  }
  return own.client;
}

/** Closes both clients' connections (scripts, tests); the next use makes new ones. */
export function closeSqsClient(): void {
  sdk?.client.destroy();
  sdk = undefined;
  own?.client.destroy();
  own = undefined;
}

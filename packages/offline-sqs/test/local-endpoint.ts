import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsClient } from '@sagashop/sqs-client';
import { startSqsEndpoint, type RunningSqsEndpoint } from '@sagashop/sqs-endpoint';

/**
 * A real SQS endpoint for one test file (@sagashop/sqs-endpoint, in this process) and two clients
 * of it: the AWS SDK's (`sqs`, for queues and test messages) and ours (`messages`, which the event
 * source takes). Call in the file's top level; it starts before the first test and stops after the last.
 */
export function useLocalEndpoint(): {
  sqs: () => SQSClient;
  messages: () => SqsClient;
  stats: () => ReturnType<RunningSqsEndpoint['endpoint']['stats']['view']>;
} {
  let endpoint: RunningSqsEndpoint;
  let sqs: SQSClient;
  let messages: SqsClient;
  beforeAll(async () => {
    endpoint = await startSqsEndpoint();
    const options = {
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    };
    sqs = new SQSClient(options);
    messages = new SqsClient(options);
  });
  afterAll(async () => {
    sqs?.destroy();
    messages?.destroy();
    await endpoint?.close();
  });
  return { sqs: () => sqs, messages: () => messages, stats: () => endpoint.endpoint.stats.view() };
}

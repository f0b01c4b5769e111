import { SQSClient } from '@aws-sdk/client-sqs';
import { startSqsEndpoint, type RunningSqsEndpoint } from '@sagashop/sqs-endpoint';

/**
 * A real SQS endpoint for one test file (@sagashop/sqs-endpoint, in this process) and a client of
 * it: call in the file's top level; it starts before the first test and stops after the last.
 */
export function useLocalEndpoint(): { sqs: () => SQSClient; stats: () => ReturnType<RunningSqsEndpoint['endpoint']['stats']['view']> } {
  let endpoint: RunningSqsEndpoint;
  let sqs: SQSClient;
  beforeAll(async () => {
    endpoint = await startSqsEndpoint();
    sqs = new SQSClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });
  afterAll(async () => {
    sqs?.destroy();
    await endpoint?.close();
  });
  return { sqs: () => sqs, stats: () => endpoint.endpoint.stats.view() };
}

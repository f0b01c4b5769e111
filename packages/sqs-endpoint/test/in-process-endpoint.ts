import { SQSClient } from '@aws-sdk/client-sqs';
import { startSqsEndpoint } from '../src';

export interface InProcessEndpoint {
  server: Awaited<ReturnType<typeof startSqsEndpoint>>;
  sqs: SQSClient;
}

/** Our SQS endpoint in this process on a free port, and an SDK client for it. */
export async function openInProcessEndpoint(): Promise<InProcessEndpoint> {
  const server = await startSqsEndpoint();
  return {
    server,
    sqs: new SQSClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    }),
  };
}

export async function closeInProcessEndpoint({ server, sqs }: InProcessEndpoint): Promise<void> {
  sqs.destroy();
  await server.close();
}

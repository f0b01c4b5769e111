// The local SQS endpoint: local-aws-sqs on 127.0.0.1:$SQS_PORT. Queues are created by the
// offline-sqs plugin from serverless.yml when `serverless offline` starts.
import { createSqsServer } from 'local-aws-sqs';

const port = Number(process.env.SQS_PORT ?? 9324);

createSqsServer({ port, hostname: '127.0.0.1' }).then(
  () => console.log(`local-aws-sqs listening on http://127.0.0.1:${port}`),
  (error: unknown) => {
    console.error('local-aws-sqs failed to start', error);
    process.exit(1);
  },
);

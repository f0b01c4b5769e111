// The local SQS endpoint, as its own process on 127.0.0.1:$SQS_PORT. SQS_SERVER picks the
// implementation: `sagashop` (default, scripts/sqs-server/: long polls answer as soon as a
// message is there) or `local-aws-sqs` (the npm package). Queues are created by the
// offline-sqs plugin from serverless.yml when `serverless offline` starts.
import { parseSendFaults } from './sqs-server/faults';
import { startSqsEndpoint } from './sqs-server/server';

const port = Number(process.env.SQS_PORT ?? 9324);
const implementation = process.env.SQS_SERVER ?? 'sagashop';

async function start(): Promise<void> {
  if (implementation === 'local-aws-sqs') {
    const { createSqsServer } = await import('local-aws-sqs');
    await createSqsServer({ port, hostname: '127.0.0.1' });
  } else if (implementation === 'sagashop') {
    await startSqsEndpoint(port, '127.0.0.1', parseSendFaults(process.env.SQS_FAULTS));
  } else {
    throw new Error(`SQS_SERVER must be "sagashop" or "local-aws-sqs" (got "${implementation}")`);
  }
  console.log(`${implementation} SQS endpoint listening on http://127.0.0.1:${port}`);
}

start().catch((error: unknown) => {
  console.error('the SQS endpoint failed to start:', error);
  process.exit(1);
});

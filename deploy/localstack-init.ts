// localstack/init/ready.d/create-queues.sh, written from the saga's declaration: LocalStack runs it
// inside its container, where nothing of this project is installed, so the queue list is written
// out. test/deploy/saga-template.test.ts fails when the file is stale; rewrite it with
//   npx tsx deploy/localstack-init.ts --write
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAGA, stepNamesOf, type SagaDeclaration } from '../lib/saga/definition';

export const INIT_SCRIPT = join(__dirname, '..', 'localstack', 'init', 'ready.d', 'create-queues.sh');
/** The stage whose queues the script creates: `sls offline` (stage local) sends to them. */
const STAGE = 'local';

export function localstackInitScript(saga: SagaDeclaration): string {
  const { prefix, visibilityTimeoutSeconds, maxReceiveCount, deadLetterRetentionSeconds } = saga.queues;
  return `#!/bin/sh
# Generated from lib/saga/definition.ts by deploy/localstack-init.ts: do not edit, run
#   npx tsx deploy/localstack-init.ts --write
# Creates every saga queue and its dead-letter queue, with the attributes serverless.yml declares
# for stage "${STAGE}" (mode a: functions in \`sls offline\`, queues here). The offline-sqs plugin
# creates the same queues idempotently, so the two never disagree.
set -eu
region=us-east-1
for step in ${stepNamesOf(saga).join(' ')}; do
  dlq="${prefix}-${STAGE}-\${step}-dlq"
  awslocal --region "$region" sqs create-queue --queue-name "$dlq" --attributes MessageRetentionPeriod=${deadLetterRetentionSeconds} >/dev/null
  dlq_arn=$(awslocal --region "$region" sqs get-queue-attributes \\
    --queue-url "http://localhost:4566/000000000000/\${dlq}" --attribute-names QueueArn --query Attributes.QueueArn --output text)
  awslocal --region "$region" sqs create-queue --queue-name "${prefix}-${STAGE}-\${step}" --attributes \\
    "{\\"VisibilityTimeout\\":\\"${visibilityTimeoutSeconds}\\",\\"RedrivePolicy\\":\\"{\\\\\\"deadLetterTargetArn\\\\\\":\\\\\\"\${dlq_arn}\\\\\\",\\\\\\"maxReceiveCount\\\\\\":${maxReceiveCount}}\\"}" >/dev/null
  echo "sagashop: queue ${prefix}-${STAGE}-\${step} with \${dlq}"
done
`;
}

if (require.main === module && process.argv.includes('--write')) {
  writeFileSync(INIT_SCRIPT, localstackInitScript(SAGA), { mode: 0o755 });
  console.log(`wrote ${INIT_SCRIPT}`);
}

// The operator's API on AWS stages (serverless.yml's `${file(./deploy/operator.cjs):...}`): one
// function serving lib/operator/routes.ts under `ANY /ops/{proxy+}`, behind AWS IAM authorization,
// and the stage's CloudWatch dashboard (deploy/dashboard.ts). Other stages get neither: locally
// the page and the commands read the local Redis themselves (scripts/operator), and LocalStack's
// free edition has no HTTP API to put IAM authorization on.
import { stepNamesOf, type SagaDeclaration } from '../lib/saga/definition';
import { dashboardResources } from './dashboard';
import { deadLetterLogicalId, queueLogicalId } from './saga-template';
import { stageKind } from './stage-settings';

export const OPERATOR_FUNCTION = 'operator';
export const OPERATOR_ROUTE = { method: '*', path: '/ops/{proxy+}', authorizer: { type: 'aws_iam' } };

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** Queue depths of every queue; moving dead letters back (receive and delete on the dead-letter
 * queues, send on the queues, which also covers the replay's re-sends); finding a dead-letter
 * queue's URL from its queue's redrive policy. */
export function operatorRights(saga: SagaDeclaration): unknown[] {
  const steps = stepNamesOf(saga);
  const queues = steps.map((step) => arnOf(queueLogicalId(step)));
  const deadLetters = steps.map((step) => arnOf(deadLetterLogicalId(step)));
  return [
    { Effect: 'Allow', Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'], Resource: queues },
    {
      Effect: 'Allow',
      Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
      Resource: deadLetters,
    },
  ];
}

export function operatorTemplate(saga: SagaDeclaration, stage: string) {
  if (stageKind(stage) !== 'aws') return { functions: {}, resources: {} };
  return {
    functions: {
      [OPERATOR_FUNCTION]: {
        handler: 'functions/http/ops/operator.handler',
        // The check reads the whole state and the replay runs up to 20 s: within the HTTP API's 30 s.
        timeout: 29,
        iamRoleStatements: operatorRights(saga),
        events: [{ httpApi: OPERATOR_ROUTE }],
      },
    },
    resources: { Resources: dashboardResources({ saga, stage }) },
  };
}

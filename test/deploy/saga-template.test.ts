import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INIT_SCRIPT, localstackInitScript } from '../../deploy/localstack-init';
import { stepFunctions, queueResources, senderRights } from '../../deploy/saga-template';
import { decideRecovery, type SagaProgress } from '@lib/domain/recovery';
import { SAGA, checkSaga, stepNamesOf } from '@lib/saga/definition';
import { resendTarget } from '@lib/saga/undos';
import { ROOT } from './support/package';

// The declaration itself and what is generated from it without the Framework (fast);
// test/deploy/cloudformation.test.ts checks the packaged template.
describe('the saga declaration', () => {
  it('is consistent: every name is a step, every step is reached', () => {
    expect(checkSaga(SAGA)).toEqual([]);
  });

  it('names a handler file for every step that exports the handler', () => {
    for (const step of stepNamesOf(SAGA)) {
      const [file, exported] = SAGA.steps[step].handler.split('.');
      const source = join(ROOT, `${file}.ts`);
      expect({ step, exists: existsSync(source) }).toEqual({ step, exists: true });
      expect(readFileSync(source, 'utf8')).toMatch(new RegExp(`export const ${exported} = sagaStep\\('${step}'`));
    }
  });

  it('lets the replay send to every step recovery re-sends', () => {
    const base: SagaProgress = { now: 10_000, deadlineAt: 60_000, lastMovedAt: 0 };
    const resent = [decideRecovery(base, 0), decideRecovery({ ...base, reserve: 'done' }, 0)].map((action) =>
      action.kind === 'resend' ? resendTarget(action.service) : action.kind,
    );
    expect(resent).toEqual(SAGA.senders.replayLog.sendsTo);
  });
});

describe('what serverless.yml takes from it', () => {
  it('is the shape serverless.yml used to spell out by hand for each step', () => {
    expect(stepFunctions(SAGA).releaseStock).toEqual({
      handler: 'functions/saga/release-stock.handler',
      iamRoleStatements: [
        {
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': ['CompleteOrderQueue', 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: 'sqs:ChangeMessageVisibility',
          Resource: { 'Fn::GetAtt': ['ReleaseStockQueue', 'Arn'] },
        },
      ],
      events: [
        {
          sqs: {
            arn: { 'Fn::GetAtt': ['ReleaseStockQueue', 'Arn'] },
            batchSize: 10,
            maximumBatchingWindow: 0,
            functionResponseType: 'ReportBatchItemFailures',
          },
        },
      ],
    });
    expect(stepFunctions(SAGA).completeOrder).toMatchObject({
      iamRoleStatements: [{ Action: 'sqs:ChangeMessageVisibility' }],
    });
    // Bounded where the stage bounds it (AWS): the function's reserve, and its mapping's maximum.
    expect(stepFunctions(SAGA, { perStep: 7, senders: {} }).completeOrder).toMatchObject({
      reservedConcurrency: 7,
      events: [{ sqs: { maximumConcurrency: 7 } }],
    });
    expect(queueResources(SAGA, { stage: 'local', visibilityTimeout: 2 }).ChargePaymentQueue).toEqual({
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: 'sagashop-local-charge-payment',
        VisibilityTimeout: 2,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': ['ChargePaymentDlq', 'Arn'] },
          maxReceiveCount: 5,
        },
      },
    });
    expect(Object.keys(senderRights(SAGA)).sort()).toEqual(['checkout', 'replayLog']);
  });

  it('keeps the LocalStack init script current (rewrite it with: npx tsx deploy/localstack-init.ts --write)', () => {
    expect(readFileSync(INIT_SCRIPT, 'utf8')).toBe(localstackInitScript(SAGA));
  });
});

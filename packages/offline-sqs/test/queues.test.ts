import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { ensureQueues, queueDefinitions } from '../src';
import { useLocalEndpoint } from './local-endpoint';

const { sqs } = useLocalEndpoint();

const prefix = `queues-test-${process.pid}`;
// Declared queue before its DLQ on purpose: creation must still put the DLQ first.
const resources = {
  WorkQueue: {
    Type: 'AWS::SQS::Queue',
    Properties: {
      QueueName: `${prefix}-work`,
      VisibilityTimeout: 60,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['WorkDlq', 'Arn'] }, maxReceiveCount: 3 },
    },
  },
  WorkDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: `${prefix}-work-dlq` } },
  NotAQueue: { Type: 'AWS::SNS::Topic', Properties: {} },
};

describe('offline queue creation', () => {
  it('reads every SQS queue of the resources, with its redrive target', () => {
    const definitions = queueDefinitions(resources);
    expect(definitions.map((d) => d.logicalId).sort()).toEqual(['WorkDlq', 'WorkQueue']);
    expect(definitions.find((d) => d.logicalId === 'WorkQueue')).toMatchObject({
      deadLetterQueue: 'WorkDlq',
      maxReceiveCount: 3,
      attributes: { VisibilityTimeout: '60' },
    });
  });

  it('creates the queues with a redrive policy naming the DLQ, and is idempotent', async () => {
    const first = await ensureQueues(sqs(), queueDefinitions(resources));
    const second = await ensureQueues(sqs(), queueDefinitions(resources));
    expect([...second]).toEqual([...first]);
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: first.get('WorkQueue')!.url,
        AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'],
      }),
    );
    const dlq = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: first.get('WorkDlq')!.url, AttributeNames: ['QueueArn'] }));
    expect(first.get('WorkDlq')!.arn).toBe(dlq.Attributes!.QueueArn);
    expect(Attributes?.VisibilityTimeout).toBe('60');
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: dlq.Attributes!.QueueArn,
      maxReceiveCount: 3,
    });
  });

  it('refuses a redrive policy that names an undeclared queue', async () => {
    const broken = {
      Lonely: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: `${prefix}-lonely`,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Missing', 'Arn'] } },
        },
      },
    };
    await expect(ensureQueues(sqs(), queueDefinitions(broken))).rejects.toThrow(/Missing is not declared/);
  });
});

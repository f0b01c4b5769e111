import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueueDefinition {
  logicalId: string;
  name: string;
  attributes: Record<string, string>;
  /** The logical id of the dead-letter queue named by the RedrivePolicy, if any. */
  deadLetterQueue?: string;
  maxReceiveCount?: number;
}

type CfResource = { Type?: string; Properties?: Record<string, any> };

function deadLetterLogicalId(target: unknown): string | undefined {
  if (target && typeof target === 'object') {
    const getAtt = (target as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return String(getAtt[0]);
  }
  return undefined;
}

/** Every AWS::SQS::Queue of the (already variable-resolved) CloudFormation resources. */
export function queueDefinitions(resources: Record<string, CfResource> | undefined): QueueDefinition[] {
  return Object.entries(resources ?? {})
    .filter(([, resource]) => resource.Type === 'AWS::SQS::Queue')
    .map(([logicalId, { Properties: properties = {} }]) => {
      const attributes: Record<string, string> = {};
      for (const name of ['VisibilityTimeout', 'MessageRetentionPeriod', 'DelaySeconds', 'ReceiveMessageWaitTimeSeconds']) {
        if (properties[name] !== undefined) attributes[name] = String(properties[name]);
      }
      const redrive = properties.RedrivePolicy;
      return {
        logicalId,
        name: String(properties.QueueName ?? logicalId),
        attributes,
        deadLetterQueue: redrive ? deadLetterLogicalId(redrive.deadLetterTargetArn) : undefined,
        maxReceiveCount: redrive ? Number(redrive.maxReceiveCount) : undefined,
      };
    });
}

/**
 * Creates every queue (dead-letter queues first, since a redrive policy must name an existing
 * queue's ARN). CreateQueue is idempotent, so this is safe against a running endpoint too.
 * Returns the URL and ARN of each logical id.
 */
export async function ensureQueues(sqs: SQSClient, definitions: QueueDefinition[]): Promise<Map<string, { url: string; arn: string }>> {
  const queues = new Map<string, { url: string; arn: string }>();
  const ordered = [...definitions].sort((a, b) => Number(Boolean(a.deadLetterQueue)) - Number(Boolean(b.deadLetterQueue)));
  for (const queue of ordered) {
    const attributes = { ...queue.attributes };
    if (queue.deadLetterQueue) {
      const deadLetterTargetArn = queues.get(queue.deadLetterQueue)?.arn;
      if (!deadLetterTargetArn) throw new Error(`${queue.logicalId}: dead-letter queue ${queue.deadLetterQueue} is not declared`);
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn,
        maxReceiveCount: queue.maxReceiveCount ?? 5,
      });
    }
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: attributes }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    queues.set(queue.logicalId, { url: QueueUrl!, arn: Attributes!.QueueArn! });
  }
  return queues;
}

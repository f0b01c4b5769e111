import { DEFAULT_ATTRIBUTES, type QueueAttributes } from './message';
import { integerParameter, invalidParameter, SqsError } from './protocol';
import type { MemoryQueue } from './queue';
import { MAX_MESSAGE_BYTES } from './limits';

/** Queue attributes from a CreateQueue or SetQueueAttributes request, within AWS's bounds. */
export function parseAttributes(raw: unknown, base: QueueAttributes = DEFAULT_ATTRIBUTES): QueueAttributes {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw invalidParameter('Attributes must be a map of attribute names to values.');
  }
  const attributes: QueueAttributes = { ...base };
  for (const [name, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    switch (name) {
      case 'VisibilityTimeout':
        attributes.VisibilityTimeout = integerParameter(value, name, 0, 43_200)!;
        break;
      case 'DelaySeconds':
        attributes.DelaySeconds = integerParameter(value, name, 0, 900)!;
        break;
      case 'MessageRetentionPeriod':
        attributes.MessageRetentionPeriod = integerParameter(value, name, 60, 1_209_600)!;
        break;
      case 'ReceiveMessageWaitTimeSeconds':
        attributes.ReceiveMessageWaitTimeSeconds = integerParameter(value, name, 0, 20)!;
        break;
      case 'MaximumMessageSize':
        attributes.MaximumMessageSize = integerParameter(value, name, 1024, MAX_MESSAGE_BYTES)!;
        break;
      case 'RedrivePolicy':
        attributes.RedrivePolicy = redrivePolicy(value);
        break;
      case 'FifoQueue':
        if (value === 'true') throw new SqsError('UnsupportedOperation', 'FIFO queues are not supported by this local endpoint.');
        break;
      case 'Policy':
      case 'KmsMasterKeyId':
      case 'KmsDataKeyReusePeriodSeconds':
      case 'SqsManagedSseEnabled':
      case 'RedriveAllowPolicy':
        break; // accepted and ignored: they govern access and encryption, not delivery
      default:
        throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
  }
  return attributes;
}

function redrivePolicy(value: unknown): QueueAttributes['RedrivePolicy'] {
  let policy: any;
  try {
    policy = JSON.parse(String(value));
  } catch {
    throw invalidParameter('Value for parameter RedrivePolicy is invalid. Reason: Invalid JSON.');
  }
  if (!policy || typeof policy !== 'object')
    throw invalidParameter('Value for parameter RedrivePolicy is invalid. Reason: not a JSON object.');
  const maxReceiveCount = integerParameter(policy.maxReceiveCount, 'maxReceiveCount', 1, 1000);
  if (maxReceiveCount === undefined)
    throw invalidParameter('Value for parameter RedrivePolicy is invalid. Reason: it needs a maxReceiveCount.');
  if (typeof policy.deadLetterTargetArn !== 'string') throw invalidParameter('RedrivePolicy needs a deadLetterTargetArn.');
  return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount };
}

/** Every attribute GetQueueAttributes can report, as strings. */
export function attributesView(queue: MemoryQueue): Record<string, string> {
  const { visible, inFlight, delayed } = queue.counts();
  const { RedrivePolicy, ...plain } = queue.attributes;
  const view: Record<string, string> = {
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(visible),
    ApproximateNumberOfMessagesNotVisible: String(inFlight),
    ApproximateNumberOfMessagesDelayed: String(delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
  };
  for (const [name, value] of Object.entries(plain)) view[name] = String(value);
  if (RedrivePolicy) view.RedrivePolicy = JSON.stringify(RedrivePolicy);
  return view;
}

/** The attributes a request named (`All` for every one); undefined when it named none. */
export function requestedAttributes(all: Record<string, string>, names: string[] | undefined): Record<string, string> | undefined {
  if (!names || names.length === 0) return undefined;
  if (names.includes('All')) return all;
  return Object.fromEntries(names.filter((name) => name in all).map((name) => [name, all[name]]));
}

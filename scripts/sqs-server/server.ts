import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { copiesToEnqueue, parseSendFaults, type SendFaults } from './faults';
import { integerParameter, invalidParameter, messageAttributesDigestInput, missingParameter, queueDoesNotExist, SqsError } from './protocol';
import { DEFAULT_ATTRIBUTES, md5, MemoryQueue, type MessageAttributeValue, type QueueAttributes, type StoredMessage } from './queue';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const MAX_BATCH = 10;

type Params = Record<string, any>;
type Action = (params: Params, host: string) => Promise<unknown> | unknown;

function parseAttributes(raw: Record<string, string> = {}, base: QueueAttributes = DEFAULT_ATTRIBUTES): QueueAttributes {
  const attributes: QueueAttributes = { ...base };
  for (const [name, value] of Object.entries(raw)) {
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
        attributes.MaximumMessageSize = integerParameter(value, name, 1024, 262_144)!;
        break;
      case 'RedrivePolicy': {
        const policy = JSON.parse(value);
        const maxReceiveCount = integerParameter(policy.maxReceiveCount, 'maxReceiveCount', 1, 1000)!;
        if (typeof policy.deadLetterTargetArn !== 'string') throw invalidParameter('RedrivePolicy needs a deadLetterTargetArn.');
        attributes.RedrivePolicy = { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount };
        break;
      }
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

function attributesView(queue: MemoryQueue): Record<string, string> {
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

function requestedAttributes(all: Record<string, string>, names: string[] | undefined): Record<string, string> | undefined {
  if (!names || names.length === 0) return undefined;
  if (names.includes('All')) return all;
  return Object.fromEntries(names.filter((name) => name in all).map((name) => [name, all[name]]));
}

function batchEntries(entries: unknown): Params[] {
  if (!Array.isArray(entries) || entries.length === 0) throw new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  if (entries.length > MAX_BATCH) throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH}.`);
  const ids = new Set(entries.map((entry: Params) => entry.Id));
  if (ids.size !== entries.length) throw new SqsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
  return entries;
}

/** An SQS endpoint holding its queues in memory: the JSON-protocol subset that the AWS SDK v3 uses. */
export class SqsEndpoint {
  constructor(private readonly faults: SendFaults = parseSendFaults(undefined)) {}

  private readonly queues = new Map<string, MemoryQueue>();
  private readonly actions: Record<string, Action> = {
    CreateQueue: (p, host) => this.createQueue(p, host),
    GetQueueUrl: (p, host) => {
      if (!this.queues.has(p.QueueName)) throw queueDoesNotExist();
      return { QueueUrl: this.url(host, p.QueueName) };
    },
    ListQueues: (p, host) => ({
      QueueUrls: [...this.queues.keys()].filter((name) => name.startsWith(p.QueueNamePrefix ?? '')).map((name) => this.url(host, name)),
    }),
    DeleteQueue: (p) => {
      const queue = this.queue(p);
      queue.close();
      this.queues.delete(queue.name);
      return {};
    },
    PurgeQueue: (p) => {
      this.queue(p).purge();
      return {};
    },
    GetQueueAttributes: (p) => ({ Attributes: requestedAttributes(attributesView(this.queue(p)), p.AttributeNames) ?? {} }),
    SetQueueAttributes: (p) => {
      const queue = this.queue(p);
      queue.attributes = parseAttributes(p.Attributes, queue.attributes);
      queue.lastModifiedAt = Date.now();
      return {};
    },
    SendMessage: (p) => this.sendMessage(this.queue(p), p),
    SendMessageBatch: (p) => {
      const queue = this.queue(p);
      const Successful: Params[] = [];
      const Failed: Params[] = [];
      for (const entry of batchEntries(p.Entries)) {
        try {
          Successful.push({ Id: entry.Id, ...this.sendMessage(queue, entry) });
        } catch (error) {
          const sqsError = error instanceof SqsError ? error : invalidParameter(String(error));
          Failed.push({ Id: entry.Id, Code: sqsError.code, Message: sqsError.message, SenderFault: true });
        }
      }
      return { Successful, Failed };
    },
    ReceiveMessage: (p) => this.receiveMessage(p),
    DeleteMessage: (p) => {
      const queue = this.queue(p);
      if (typeof p.ReceiptHandle !== 'string' || p.ReceiptHandle === '') throw missingParameter('ReceiptHandle');
      queue.delete(p.ReceiptHandle);
      return {};
    },
    DeleteMessageBatch: (p) => {
      const queue = this.queue(p);
      const entries = batchEntries(p.Entries);
      for (const entry of entries) queue.delete(entry.ReceiptHandle);
      return { Successful: entries.map((entry) => ({ Id: entry.Id })), Failed: [] };
    },
    ChangeMessageVisibility: (p) => {
      const queue = this.queue(p);
      const timeout = integerParameter(p.VisibilityTimeout, 'VisibilityTimeout', 0, 43_200)!;
      if (!queue.changeVisibility(p.ReceiptHandle, timeout)) {
        throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.', 'AWS.SimpleQueueService.MessageNotInflight');
      }
      return {};
    },
    ChangeMessageVisibilityBatch: (p) => {
      const queue = this.queue(p);
      const Successful: Params[] = [];
      const Failed: Params[] = [];
      for (const entry of batchEntries(p.Entries)) {
        const timeout = integerParameter(entry.VisibilityTimeout, 'VisibilityTimeout', 0, 43_200)!;
        if (queue.changeVisibility(entry.ReceiptHandle, timeout)) Successful.push({ Id: entry.Id });
        else Failed.push({ Id: entry.Id, Code: 'MessageNotInflight', Message: 'The message referred to is not in flight.', SenderFault: true });
      }
      return { Successful, Failed };
    },
  };

  private url(host: string, name: string): string {
    return `http://${host}/${ACCOUNT}/${name}`;
  }

  private queue(params: Params): MemoryQueue {
    if (typeof params.QueueUrl !== 'string') throw missingParameter('QueueUrl');
    const queue = this.queues.get(params.QueueUrl.split('/').pop() ?? '');
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  private createQueue(params: Params, host: string) {
    const name = params.QueueName;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    const attributes = parseAttributes(params.Attributes);
    if (attributes.RedrivePolicy && !this.byArn(attributes.RedrivePolicy.deadLetterTargetArn)) {
      throw invalidParameter('Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.');
    }
    const existing = this.queues.get(name);
    if (existing) {
      if (JSON.stringify(existing.attributes) !== JSON.stringify(attributes)) {
        throw new SqsError('QueueNameExists', 'A queue already exists with the same name and a different value for attribute(s).', 'QueueAlreadyExists');
      }
    } else {
      this.queues.set(name, new MemoryQueue(name, `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`, attributes, (arn) => this.byArn(arn)));
    }
    return { QueueUrl: this.url(host, name) };
  }

  private byArn(arn: string): MemoryQueue | undefined {
    return this.queues.get(arn.split(':').pop() ?? '');
  }

  private sendMessage(queue: MemoryQueue, params: Params) {
    const body = params.MessageBody;
    if (typeof body !== 'string' || body === '') throw missingParameter('MessageBody');
    if (Buffer.byteLength(body) > queue.attributes.MaximumMessageSize) {
      throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${queue.attributes.MaximumMessageSize} bytes.`);
    }
    const delay = integerParameter(params.DelaySeconds, 'DelaySeconds', 0, 900);
    const attributes = params.MessageAttributes as Record<string, MessageAttributeValue> | undefined;
    const hasAttributes = attributes && Object.keys(attributes).length > 0;
    const attributesMd5 = hasAttributes ? md5(messageAttributesDigestInput(attributes)) : undefined;
    let sent: StoredMessage | undefined;
    for (const extraDelayMs of copiesToEnqueue(this.faults)) {
      sent = queue.send(body, delay, hasAttributes ? attributes : undefined, attributesMd5, extraDelayMs);
    }
    // A message lost by fault injection is acknowledged all the same, as a lost message would be.
    return {
      MessageId: sent?.messageId ?? randomUUID(),
      MD5OfMessageBody: sent?.md5OfBody ?? md5(body),
      ...(attributesMd5 ? { MD5OfMessageAttributes: attributesMd5 } : {}),
    };
  }

  private async receiveMessage(params: Params) {
    const queue = this.queue(params);
    const max = integerParameter(params.MaxNumberOfMessages, 'MaxNumberOfMessages', 1, MAX_BATCH) ?? 1;
    const wait = integerParameter(params.WaitTimeSeconds, 'WaitTimeSeconds', 0, 20) ?? queue.attributes.ReceiveMessageWaitTimeSeconds;
    const visibility = integerParameter(params.VisibilityTimeout, 'VisibilityTimeout', 0, 43_200);
    const systemNames: string[] | undefined = params.MessageSystemAttributeNames ?? params.AttributeNames;
    const attributeNames: string[] | undefined = params.MessageAttributeNames;
    const messages = await queue.receive(max, wait, visibility);
    return { Messages: messages.map((message) => this.view(message, systemNames, attributeNames)) };
  }

  private view(message: StoredMessage, systemNames: string[] | undefined, attributeNames: string[] | undefined) {
    const system = requestedAttributes(
      {
        SenderId: ACCOUNT,
        SentTimestamp: String(message.sentAt),
        ApproximateReceiveCount: String(message.receiveCount),
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
      },
      systemNames,
    );
    const wanted = message.messageAttributes && attributeNames && attributeNames.length > 0;
    const attributes = wanted
      ? attributeNames.includes('All') || attributeNames.includes('.*')
        ? message.messageAttributes
        : Object.fromEntries(Object.entries(message.messageAttributes!).filter(([name]) => attributeNames.includes(name)))
      : undefined;
    return {
      MessageId: message.messageId,
      ReceiptHandle: message.receiptHandle,
      MD5OfBody: message.md5OfBody,
      Body: message.body,
      ...(system ? { Attributes: system } : {}),
      ...(attributes && Object.keys(attributes).length > 0
        ? { MessageAttributes: attributes, MD5OfMessageAttributes: md5(messageAttributesDigestInput(attributes)) }
        : {}),
    };
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      response.writeHead(status, {
        'Content-Type': 'application/x-amz-json-1.0',
        'Content-Length': Buffer.byteLength(text),
        'x-amzn-RequestId': randomUUID(),
        ...headers,
      });
      response.end(text);
    };
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (!target.startsWith('AmazonSQS.')) {
        throw new SqsError('InvalidAction', 'This endpoint speaks the SQS JSON protocol (X-Amz-Target: AmazonSQS.<Action>) only.');
      }
      const action = this.actions[target.slice('AmazonSQS.'.length)];
      if (!action) throw new SqsError('InvalidAction', `The action ${target} is not supported by this local endpoint.`);
      let params: Params;
      try {
        params = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        throw new SqsError('SerializationException', 'The request body is not valid JSON.');
      }
      reply(200, await action(params, request.headers.host ?? '127.0.0.1'));
    } catch (error) {
      const sqsError = error instanceof SqsError ? error : new SqsError('InternalFailure', 'The local endpoint failed.', 'InternalFailure', 500);
      if (!(error instanceof SqsError)) console.error(error);
      reply(sqsError.status, { __type: `com.amazonaws.sqs#${sqsError.code}`, message: sqsError.message }, {
        'x-amzn-query-error': `${sqsError.queryCode};Sender`,
      });
    }
  }

  close(): void {
    for (const queue of this.queues.values()) queue.close();
  }
}

/** Starts the endpoint on hostname:port; port 0 picks a free one. */
export async function startSqsEndpoint(
  port: number,
  hostname = '127.0.0.1',
  faults: SendFaults = parseSendFaults(undefined),
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const endpoint = new SqsEndpoint(faults);
  const server = createServer((request, response) => void endpoint.handle(request, response));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, resolve);
  });
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://${hostname}:${bound}`,
    server,
    close: async () => {
      endpoint.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

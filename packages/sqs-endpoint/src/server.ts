import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { attributesView, parseAttributes, requestedAttributes } from './attributes';
import { copiesToEnqueue, parseSendFaults, type SendFaults } from './faults';
import { answer, reply, type Action, type Params, type RequestContext } from './http';
import { batchEntries, batchRequestTooLong, MAX_BATCH_ENTRIES, MAX_BATCH_PAYLOAD_BYTES, messageSize } from './limits';
import {
  integerParameter,
  invalidParameter,
  messageAttributesDigestInput,
  messageAttributesParameter,
  missingParameter,
  queueDoesNotExist,
  serviceError,
  SqsError,
  stringListParameter,
  stringParameter,
} from './protocol';
import { md5, MemoryQueue, type StoredMessage } from './queue';
import { ActionStats, counted, STATS_PATH } from './stats';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

const messageNotInflight = () => serviceError('MessageNotInflight', 'The message referred to is not in flight.');

// This endpoint issues UUIDs as receipt handles. Anything else cannot be one of ours, from this
// run or an earlier one: AWS answers such a handle with ReceiptHandleIsInvalid, while a handle
// that is merely stale (deleted, expired, re-issued) deletes nothing and is no error.
const RECEIPT_HANDLE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function receiptHandle(value: unknown): string {
  const handle = stringParameter(value, 'ReceiptHandle');
  if (!RECEIPT_HANDLE.test(handle))
    throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
  return handle;
}

/** A batch answer: each entry succeeds or fails (with the code it threw) on its own. */
function eachEntry(entries: Params[], apply: (entry: Params) => Params | void) {
  const Successful: Params[] = [];
  const Failed: Params[] = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...(apply(entry) ?? {}) });
    } catch (error) {
      const sqsError = error instanceof SqsError ? error : invalidParameter(String(error));
      Failed.push({ Id: entry.Id, Code: sqsError.code, Message: sqsError.message, SenderFault: true });
    }
  }
  return { Successful, Failed };
}

/** An SQS endpoint holding its queues in memory: the JSON-protocol subset that the AWS SDK v3 uses. */
export class SqsEndpoint {
  constructor(private readonly faults: SendFaults = parseSendFaults(undefined)) {}

  private readonly queues = new Map<string, MemoryQueue>();
  readonly stats = new ActionStats();
  private readonly actions: Record<string, Action> = counted(this.stats, {
    CreateQueue: (p, { host }) => this.createQueue(p, host),
    GetQueueUrl: (p, { host }) => {
      const name = stringParameter(p.QueueName, 'QueueName');
      if (!this.queues.has(name)) throw queueDoesNotExist();
      return { QueueUrl: this.url(host, name) };
    },
    ListQueues: (p, { host }) => ({
      QueueUrls: [...this.queues.keys()]
        .filter((name) => name.startsWith(String(p.QueueNamePrefix ?? '')))
        .map((name) => this.url(host, name)),
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
    GetQueueAttributes: (p) => ({
      Attributes: requestedAttributes(attributesView(this.queue(p)), stringListParameter(p.AttributeNames, 'AttributeNames')) ?? {},
    }),
    SetQueueAttributes: (p) => {
      const queue = this.queue(p);
      queue.attributes = parseAttributes(p.Attributes, queue.attributes);
      queue.lastModifiedAt = Date.now();
      return {};
    },
    SendMessage: (p) => this.sendMessage(this.queue(p), p, 'are invalid'),
    SendMessageBatch: (p) => this.sendMessageBatch(this.queue(p), p),
    ReceiveMessage: (p, context) => this.receiveMessage(p, context),
    DeleteMessage: (p) => {
      const queue = this.queue(p);
      queue.delete(receiptHandle(p.ReceiptHandle));
      return {};
    },
    DeleteMessageBatch: (p) => {
      const queue = this.queue(p);
      const entries = batchEntries(p.Entries);
      this.stats.carried('DeleteMessageBatch', entries.length);
      return eachEntry(entries, (entry) => {
        queue.delete(receiptHandle(entry.ReceiptHandle));
      });
    },
    ChangeMessageVisibility: (p) => {
      const queue = this.queue(p);
      const handle = receiptHandle(p.ReceiptHandle);
      if (!queue.changeVisibility(handle, this.visibilityTimeout(p.VisibilityTimeout))) throw messageNotInflight();
      return {};
    },
    ChangeMessageVisibilityBatch: (p) => {
      const queue = this.queue(p);
      return eachEntry(batchEntries(p.Entries), (entry) => {
        if (!queue.changeVisibility(receiptHandle(entry.ReceiptHandle), this.visibilityTimeout(entry.VisibilityTimeout)))
          throw messageNotInflight();
      });
    },
  });

  private url(host: string, name: string): string {
    return `http://${host}/${ACCOUNT}/${name}`;
  }

  private queue(params: Params): MemoryQueue {
    const url = stringParameter(params.QueueUrl, 'QueueUrl');
    const queue = this.queues.get(url.split('/').pop() ?? '');
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  private visibilityTimeout(value: unknown): number {
    const timeout = integerParameter(value, 'VisibilityTimeout', 0, 43_200);
    if (timeout === undefined) throw missingParameter('VisibilityTimeout');
    return timeout;
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
        throw new SqsError(
          'QueueNameExists',
          'A queue already exists with the same name and a different value for attribute(s).',
          'QueueAlreadyExists',
        );
      }
    } else {
      this.queues.set(name, new MemoryQueue(name, `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`, attributes, (arn) => this.byArn(arn)));
    }
    return { QueueUrl: this.url(host, name) };
  }

  private byArn(arn: string): MemoryQueue | undefined {
    return this.queues.get(arn.split(':').pop() ?? '');
  }

  /** `verdict` is AWS's wording: "are invalid" for SendMessage, "cannot be validated" in a batch. */
  private sendMessage(queue: MemoryQueue, params: Params, verdict: string) {
    const body = stringParameter(params.MessageBody, 'MessageBody');
    const attributes = messageAttributesParameter(params.MessageAttributes);
    if (messageSize(body, attributes) > queue.attributes.MaximumMessageSize) {
      throw invalidParameter(
        `One or more parameters ${verdict}. Reason: Message must be shorter than ${queue.attributes.MaximumMessageSize} bytes.`,
      );
    }
    const delay = integerParameter(params.DelaySeconds, 'DelaySeconds', 0, 900);
    const attributesMd5 = attributes ? md5(messageAttributesDigestInput(attributes)) : undefined;
    let sent: StoredMessage | undefined;
    for (const extraDelayMs of copiesToEnqueue(this.faults)) {
      sent = queue.send(body, delay, attributes, attributesMd5, extraDelayMs);
    }
    // A message lost by fault injection is acknowledged all the same, as a lost message would be.
    return {
      MessageId: sent?.messageId ?? randomUUID(),
      MD5OfMessageBody: sent?.md5OfBody ?? md5(body),
      ...(attributesMd5 ? { MD5OfMessageAttributes: attributesMd5 } : {}),
    };
  }

  /**
   * As AWS does: a request whose messages add up to more than 1 MiB is refused whole; within that,
   * each entry succeeds or fails on its own (e.g. one over the queue's MaximumMessageSize).
   */
  private sendMessageBatch(queue: MemoryQueue, params: Params) {
    const entries = batchEntries(params.Entries);
    let total = 0;
    for (const entry of entries) {
      try {
        total += messageSize(entry.MessageBody, messageAttributesParameter(entry.MessageAttributes));
      } catch {
        total += messageSize(entry.MessageBody); // its attributes fail the entry below
      }
    }
    if (total > MAX_BATCH_PAYLOAD_BYTES) throw batchRequestTooLong(total);
    this.stats.carried('SendMessageBatch', entries.length);
    return eachEntry(entries, (entry) => this.sendMessage(queue, entry, 'cannot be validated'));
  }

  private async receiveMessage(params: Params, context: RequestContext) {
    const queue = this.queue(params);
    const max = integerParameter(params.MaxNumberOfMessages, 'MaxNumberOfMessages', 1, MAX_BATCH_ENTRIES) ?? 1;
    const wait = integerParameter(params.WaitTimeSeconds, 'WaitTimeSeconds', 0, 20) ?? queue.attributes.ReceiveMessageWaitTimeSeconds;
    const visibility = integerParameter(params.VisibilityTimeout, 'VisibilityTimeout', 0, 43_200);
    const systemNames = stringListParameter(params.MessageSystemAttributeNames ?? params.AttributeNames, 'AttributeNames');
    const attributeNames = stringListParameter(params.MessageAttributeNames, 'MessageAttributeNames');
    // Only a wait can be cut short by the client leaving; an answer at once needs no signal.
    const messages = await queue.receive(max, wait, visibility, wait > 0 ? context.signal : undefined);
    this.stats.carried('ReceiveMessage', messages.length);
    const handles = messages.map((message) => message.receiptHandle!);
    if (handles.length > 0) context.undelivered = () => queue.release(handles);
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
        ? {
            MessageAttributes: attributes,
            MD5OfMessageAttributes: md5(messageAttributesDigestInput(attributes)),
          }
        : {}),
    };
  }

  /** Answers one request. Never rejects: whatever goes wrong becomes an SQS error answer, or silence for a client that left. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method === 'GET' && request.url === STATS_PATH) {
      request.resume();
      reply(response, 200, this.stats.view());
      return Promise.resolve();
    }
    return answer(this.actions, request, response);
  }

  /** What each structure of a queue holds (see MemoryQueue.inspect): for tests of memory over long runs. */
  inspect(queueName: string) {
    const queue = this.queues.get(queueName);
    if (!queue) throw new Error(`no queue named ${queueName}`);
    return queue.inspect();
  }

  close(): void {
    for (const queue of this.queues.values()) queue.close();
  }
}

export interface SqsEndpointOptions {
  /** 0 (the default) picks a free port; the answer's `url` says which. */
  port?: number;
  hostname?: string;
  /** Faults injected on every send (see faults.ts): parsed options or their text, e.g. "duplicate,delay=300". */
  faults?: SendFaults | string;
}

export interface RunningSqsEndpoint {
  url: string;
  server: Server;
  endpoint: SqsEndpoint;
  close(): Promise<void>;
}

/** Starts the endpoint and resolves once it listens. */
export async function startSqsEndpoint({ port = 0, hostname = '127.0.0.1', faults }: SqsEndpointOptions = {}): Promise<RunningSqsEndpoint> {
  const endpoint = new SqsEndpoint(typeof faults === 'string' || faults === undefined ? parseSendFaults(faults) : faults);
  const server = createServer((request, response) => {
    endpoint.handle(request, response).catch((error: unknown) => {
      console.error('the SQS endpoint failed to answer a request:', error);
      response.destroy();
    });
  });
  server.on('connection', () => endpoint.stats.connection());
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, resolve);
  });
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://${hostname}:${bound}`,
    server,
    endpoint,
    close: async () => {
      endpoint.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

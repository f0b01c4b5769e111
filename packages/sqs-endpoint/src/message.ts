import { createHash } from 'node:crypto';

export interface QueueAttributes {
  VisibilityTimeout: number;
  DelaySeconds: number;
  MessageRetentionPeriod: number;
  ReceiveMessageWaitTimeSeconds: number;
  MaximumMessageSize: number;
  RedrivePolicy?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

/** AWS's defaults for a new standard queue (MaximumMessageSize became 1 MiB in August 2025). */
export const DEFAULT_ATTRIBUTES: QueueAttributes = {
  VisibilityTimeout: 30,
  DelaySeconds: 0,
  MessageRetentionPeriod: 345_600,
  ReceiveMessageWaitTimeSeconds: 0,
  MaximumMessageSize: 1_048_576,
};

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string; // base64 in the JSON protocol
}

/** A pending deadline in a queue's heap: the end of a message's delay or of its visibility timeout. */
export type Wake = { at: number; slot: number; message: StoredMessage };

export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  sentAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  /** The only receipt handle that may delete it or change its visibility; undefined while visible. */
  receiptHandle?: string;
  /** Its one pending deadline, while it is delayed or in flight. */
  wake?: Wake;
  deleted: boolean;
}

export const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

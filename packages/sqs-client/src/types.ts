// The request and answer shapes of the SQS JSON protocol for the actions this client speaks,
// named as in the SQS API reference (and the AWS SDK), so code moves between the two unchanged.

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Base64, as the JSON protocol carries it. */
  BinaryValue?: string;
}

export interface SendMessageBatchEntry {
  Id: string;
  MessageBody: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

export interface BatchFailure {
  Id: string;
  Code: string;
  Message?: string;
  SenderFault: boolean;
}

export interface SendMessageBatchResult {
  Successful: {
    Id: string;
    MessageId: string;
    MD5OfMessageBody?: string;
    MD5OfMessageAttributes?: string;
    SequenceNumber?: string;
  }[];
  Failed: BatchFailure[];
}

export interface ReceiveMessageInput {
  QueueUrl: string;
  /** 1–10 (SQS's default 1). */
  MaxNumberOfMessages?: number;
  /** 0–20: how long to wait for a first message (a long poll). */
  WaitTimeSeconds?: number;
  VisibilityTimeout?: number;
  /** Legacy name of MessageSystemAttributeNames; SQS accepts either. */
  AttributeNames?: string[];
  MessageSystemAttributeNames?: string[];
  MessageAttributeNames?: string[];
  ReceiveRequestAttemptId?: string;
}

export interface Message {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody?: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
}

export interface ReceiveMessageResult {
  Messages: Message[];
}

export interface DeleteMessageBatchEntry {
  Id: string;
  ReceiptHandle: string;
}

export interface ChangeMessageVisibilityBatchEntry {
  Id: string;
  ReceiptHandle: string;
  VisibilityTimeout: number;
}

export interface BatchResult {
  Successful: { Id: string }[];
  Failed: BatchFailure[];
}

export interface CallOptions {
  /** Aborts the request (and any retry): the call rejects with an AbortError. */
  signal?: AbortSignal;
}

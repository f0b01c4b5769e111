import type { MessageAttributeValue } from './queue';

/** An error the SQS JSON protocol reports as `{"__type": ..., "message": ...}` with a 400. */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly queryCode = code,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const queueDoesNotExist = () =>
  new SqsError('QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
export const invalidParameter = (message: string) => new SqsError('InvalidParameterValue', message);
export const missingParameter = (name: string) => new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);

const lengthPrefixed = (value: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
};

/** MD5OfMessageAttributes as SQS defines it: sorted names, each length-prefixed with its type and value. */
export function messageAttributesDigestInput(attributes: Record<string, MessageAttributeValue>): Buffer {
  const parts: Buffer[] = [];
  for (const name of Object.keys(attributes).sort()) {
    const { DataType, StringValue, BinaryValue } = attributes[name];
    parts.push(lengthPrefixed(Buffer.from(name, 'utf8')), lengthPrefixed(Buffer.from(DataType, 'utf8')));
    if (BinaryValue !== undefined) {
      parts.push(Buffer.from([2]), lengthPrefixed(Buffer.from(BinaryValue, 'base64')));
    } else {
      parts.push(Buffer.from([1]), lengthPrefixed(Buffer.from(StringValue ?? '', 'utf8')));
    }
  }
  return Buffer.concat(parts);
}

/** Reads a positive or zero whole number parameter, refusing anything else as SQS does. */
export function integerParameter(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw invalidParameter(`Value ${String(value)} for parameter ${name} is invalid. Reason: must be an integer between ${min} and ${max}.`);
  }
  return number;
}

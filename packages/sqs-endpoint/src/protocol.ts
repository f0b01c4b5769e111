import type { MessageAttributeValue } from './message';

/**
 * An error the SQS JSON protocol reports as `{"__type": ..., "message": ...}` with a 400. `queryCode`
 * goes in the x-amzn-query-error header, which SDKs in query-compatible mode show as the error code.
 */
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

/** The errors whose query code AWS prefixes with `AWS.SimpleQueueService.` (per the SQS API model). */
export const serviceError = (code: string, message: string) => new SqsError(code, message, `AWS.SimpleQueueService.${code}`);

export const queueDoesNotExist = () =>
  new SqsError('QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
export const invalidParameter = (message: string) => new SqsError('InvalidParameterValue', message);
export const missingParameter = (name: string) => new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
export const malformedRequest = (message: string) => new SqsError('SerializationException', message);

/** A required string parameter, present and not empty. */
export function stringParameter(value: unknown, name: string): string {
  if (value === undefined || value === null || value === '') throw missingParameter(name);
  if (typeof value !== 'string') throw malformedRequest(`The parameter ${name} must be a string.`);
  return value;
}

/** An optional list of strings (attribute names): anything else is a malformed request. */
export function stringListParameter(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw malformedRequest(`The parameter ${name} must be a list of strings.`);
  return value;
}

/** Reads a positive or zero whole number parameter, refusing anything else as SQS does. */
export function integerParameter(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    // SQS names the value as sent; an object prints as [object Object] there too.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    const sent = String(value);
    throw invalidParameter(`Value ${sent} for parameter ${name} is invalid. Reason: must be an integer between ${min} and ${max}.`);
  }
  return number;
}

/** Message attributes as SQS accepts them: each with a DataType and one value; undefined when there are none. */
export function messageAttributesParameter(value: unknown): Record<string, MessageAttributeValue> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw malformedRequest('MessageAttributes must be a map of attribute names to values.');
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [name, attribute] of entries) {
    const { DataType, StringValue, BinaryValue } = (attribute ?? {}) as Record<string, unknown>;
    if (typeof DataType !== 'string' || DataType === '')
      throw invalidParameter(`The message attribute '${name}' must contain a non-empty message attribute type.`);
    const hasString = typeof StringValue === 'string';
    const hasBinary = typeof BinaryValue === 'string';
    if (hasString === hasBinary)
      throw invalidParameter(`The message attribute '${name}' must contain exactly one of StringValue or BinaryValue.`);
  }
  return entries.length > 0 ? (value as Record<string, MessageAttributeValue>) : undefined;
}

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

import type { MessageAttributeValue } from './message';
import { invalidParameter, malformedRequest, serviceError, type SqsError } from './protocol';

/** AWS's largest message, body and attributes together: 1 MiB since August 2025. */
export const MAX_MESSAGE_BYTES = 1_048_576;
/** AWS's largest SendMessageBatch payload: the sizes of all its messages added up. */
export const MAX_BATCH_PAYLOAD_BYTES = 1_048_576;
export const MAX_BATCH_ENTRIES = 10;

/**
 * The largest request body this endpoint reads. The largest valid request is a SendMessageBatch
 * carrying 1 MiB of payload. In the JSON protocol a payload byte costs at most two request bytes:
 * the characters JSON escapes and SQS allows (`"`, `\`, tab, newline, carriage return) take two,
 * the other control characters SQS refuses anyway, and base64 of binary attributes takes 4/3.
 * Ten entry ids, the queue URL, keys and attribute framing stay far below 64 KiB. So every valid
 * request fits in 2 MiB + 64 KiB, and anything beyond is refused before it is held in memory.
 */
export const MAX_REQUEST_BYTES = 2 * MAX_BATCH_PAYLOAD_BYTES + 64 * 1024;

/** A message's size as SQS counts it: body, and each attribute's name, type and value, in bytes. */
export function messageSize(body: unknown, attributes?: Record<string, MessageAttributeValue>): number {
  let size = typeof body === 'string' ? Buffer.byteLength(body) : 0;
  for (const [name, { DataType, StringValue, BinaryValue }] of Object.entries(attributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(DataType);
    size += BinaryValue !== undefined ? Buffer.byteLength(BinaryValue, 'base64') : Buffer.byteLength(StringValue ?? '');
  }
  return size;
}

export const batchRequestTooLong = (bytes: number) =>
  serviceError(
    'BatchRequestTooLong',
    `Batch requests cannot be longer than ${MAX_BATCH_PAYLOAD_BYTES} bytes. You have sent ${bytes} bytes.`,
  );

/** The error for a request body over MAX_REQUEST_BYTES, in the terms of the action it was for. */
export function requestTooLarge(action: string | undefined, bytes: number): SqsError {
  const what = `a request body of ${bytes} bytes or more, over this endpoint's ${MAX_REQUEST_BYTES}-byte limit`;
  if (action === 'SendMessageBatch') {
    return serviceError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${MAX_BATCH_PAYLOAD_BYTES} bytes. You have sent ${what}.`,
    );
  }
  return invalidParameter(
    `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes; you have sent ${what}.`,
  );
}

const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The entries of a batch request, checked the way SQS checks them before it looks at any one. */
export function batchEntries(entries: unknown): Record<string, any>[] {
  if (entries !== undefined && entries !== null && !Array.isArray(entries)) throw malformedRequest('Entries must be a list.');
  if (!Array.isArray(entries) || entries.length === 0)
    throw serviceError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw serviceError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  if (entries.some((entry) => typeof entry !== 'object' || entry === null || Array.isArray(entry)))
    throw malformedRequest('Every batch entry must be an object.');
  const ids = new Set(entries.map((entry) => entry.Id));
  if (ids.size !== entries.length)
    throw serviceError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
  if (entries.some((entry) => typeof entry.Id !== 'string' || !BATCH_ENTRY_ID.test(entry.Id))) {
    throw serviceError(
      'InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
    );
  }
  return entries;
}

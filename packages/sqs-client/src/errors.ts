import type { IncomingHttpHeaders } from 'node:http';

/**
 * An error SQS answered. `name` is the short code callers check (`QueueDoesNotExist`, from the
 * JSON protocol's `__type`); `queryCode` is the query protocol's code from the x-amzn-query-error
 * header (`AWS.SimpleQueueService.NonExistentQueue`), which older code and SQS's documentation use.
 */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
    readonly queryCode: string | undefined,
    /** `Sender` (the request was wrong) or `Receiver` (SQS failed), when SQS says. */
    readonly fault: 'Sender' | 'Receiver' | undefined,
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = code;
  }
}

/** The request was aborted by its caller's signal: never retried. */
export class AbortError extends Error {
  override name = 'AbortError';
  constructor() {
    super('The SQS request was aborted');
  }
}

/** No answer in time (connecting, or waiting for the response). */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * `com.amazonaws.sqs#QueueDoesNotExist` or `QueueDoesNotExist:http://internal.amazon.com/...`
 * → `QueueDoesNotExist`, as the AWS SDKs shorten it.
 */
export function shortErrorCode(type: string): string {
  const withoutSuffix = type.split(':')[0];
  return withoutSuffix.slice(withoutSuffix.lastIndexOf('#') + 1);
}

/** The error an SQS answer other than 200 stands for. */
export function errorFromAnswer(statusCode: number, headers: IncomingHttpHeaders, body: Buffer): SqsError {
  let parsed: Record<string, unknown> = {};
  const text = body.toString('utf8');
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
  } catch {
    // Authentication is checked before the protocol is: a signature refused may come as the query
    // protocol's XML. Anything else (a proxy's HTML page) leaves the status and headers to say it.
    const xml = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1];
    parsed = { __type: xml('Code'), message: xml('Message') };
  }
  const [queryCode, fault] = (header(headers, 'x-amzn-query-error') ?? '').split(';');
  const type = typeof parsed.__type === 'string' ? parsed.__type : header(headers, 'x-amzn-errortype');
  const code = type ? shortErrorCode(type) : queryCode || (statusCode >= 500 ? 'InternalFailure' : `Http${statusCode}`);
  const message =
    typeof parsed.message === 'string'
      ? parsed.message
      : typeof parsed.Message === 'string'
        ? parsed.Message
        : `SQS answered HTTP ${statusCode}`;
  return new SqsError(
    code,
    message,
    statusCode,
    queryCode || undefined,
    fault === 'Sender' || fault === 'Receiver' ? fault : undefined,
    header(headers, 'x-amzn-requestid'),
  );
}

import { AbortError, SqsError, TimeoutError } from './errors';

// The AWS SDKs' "standard" retry mode, without its retry-token bucket: what is retried, and
// how long to wait before the next attempt.

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalFailure', 'ServiceUnavailable']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
]);

export type RetryKind = 'throttling' | 'transient' | undefined;

/** Whether an attempt's failure may succeed on another attempt, and which backoff applies. */
export function retryKind(error: unknown): RetryKind {
  if (error instanceof AbortError) return undefined;
  if (error instanceof TimeoutError) return 'transient';
  if (error instanceof SqsError) {
    if (THROTTLING_CODES.has(error.code) || error.statusCode === 429) return 'throttling';
    if (TRANSIENT_CODES.has(error.code) || TRANSIENT_STATUS.has(error.statusCode)) return 'transient';
    return undefined;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && NETWORK_ERROR_CODES.has(code) ? 'transient' : undefined;
}

const BASE_DELAY_MS = { throttling: 500, transient: 100 } as const;
const MAX_DELAY_MS = 20_000;

/** "Full jitter": a random wait below base × 2^retries (at most 20 s); `retries` is 0 before the first retry. */
export function backoffMs(kind: Exclude<RetryKind, undefined>, retries: number, random: () => number = Math.random): number {
  return Math.floor(Math.min(MAX_DELAY_MS, random() * 2 ** retries * BASE_DELAY_MS[kind]));
}

/** Waits `ms`, or rejects with AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

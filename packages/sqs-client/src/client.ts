import type { Agent } from 'node:http';
import { errorFromAnswer } from './errors';
import { backoffMs, retryKind, sleep } from './retry';
import { resolveCredentials, SigV4Signer, type Credentials } from './signer';
import { keepAliveAgent, parseEndpoint, post, type Endpoint } from './transport';
import type {
  BatchResult,
  CallOptions,
  ChangeMessageVisibilityBatchEntry,
  DeleteMessageBatchEntry,
  ReceiveMessageInput,
  ReceiveMessageResult,
  SendMessageBatchEntry,
  SendMessageBatchResult,
} from './types';

export interface SqsClientOptions {
  /** The region signed for, and whose endpoint is used; else AWS_REGION, else AWS_DEFAULT_REGION. */
  region?: string;
  /** e.g. `http://127.0.0.1:9324`; else `https://sqs.<region>.amazonaws.com`. */
  endpoint?: string;
  /** Else AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, read at the first request. */
  credentials?: Credentials;
  /** Attempts per call, the first included (the AWS SDKs' default: 3). */
  maxAttempts?: number;
  connectTimeoutMs?: number;
  /** Most time for an answer, on top of a receive's WaitTimeSeconds. */
  responseTimeoutMs?: number;
  /** Most connections open at once (each long poll holds one for its wait). */
  maxSockets?: number;
}

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const USER_AGENT = 'sagashop-sqs-client/0.1';

/**
 * An SQS client for the message hot path (README.md): four actions over the JSON protocol, signed
 * with SigV4, on keep-alive connections, retried like the AWS SDKs' standard mode.
 */
export class SqsClient {
  readonly region: string;
  readonly endpoint: string;
  private readonly target: Endpoint;
  private readonly agent: Agent;
  private readonly signer: SigV4Signer;
  private credentials: Credentials | undefined;
  private readonly maxAttempts: number;
  private readonly connectTimeoutMs: number;
  private readonly responseTimeoutMs: number;

  constructor(private readonly options: SqsClientOptions = {}) {
    const region = options.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION);
    if (!region) throw new Error('No AWS region: pass `region`, or set AWS_REGION');
    this.region = region;
    this.endpoint = options.endpoint ?? `https://sqs.${region}.amazonaws.com`;
    this.target = parseEndpoint(this.endpoint);
    this.agent = keepAliveAgent(this.target.protocol, options.maxSockets ?? 64);
    this.signer = new SigV4Signer(region, 'sqs');
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
    this.responseTimeoutMs = options.responseTimeoutMs ?? 30_000;
  }

  async sendMessageBatch(input: { QueueUrl: string; Entries: SendMessageBatchEntry[] }, options?: CallOptions): Promise<SendMessageBatchResult> {
    const answer = await this.call<Partial<SendMessageBatchResult>>('SendMessageBatch', input, 0, options);
    return { Successful: answer.Successful ?? [], Failed: answer.Failed ?? [] };
  }

  async receiveMessage(input: ReceiveMessageInput, options?: CallOptions): Promise<ReceiveMessageResult> {
    const answer = await this.call<Partial<ReceiveMessageResult>>('ReceiveMessage', input, (input.WaitTimeSeconds ?? 0) * 1000, options);
    return { Messages: answer.Messages ?? [] };
  }

  async deleteMessageBatch(input: { QueueUrl: string; Entries: DeleteMessageBatchEntry[] }, options?: CallOptions): Promise<BatchResult> {
    const answer = await this.call<Partial<BatchResult>>('DeleteMessageBatch', input, 0, options);
    return { Successful: answer.Successful ?? [], Failed: answer.Failed ?? [] };
  }

  async changeMessageVisibilityBatch(input: { QueueUrl: string; Entries: ChangeMessageVisibilityBatchEntry[] }, options?: CallOptions): Promise<BatchResult> {
    const answer = await this.call<Partial<BatchResult>>('ChangeMessageVisibilityBatch', input, 0, options);
    return { Successful: answer.Successful ?? [], Failed: answer.Failed ?? [] };
  }

  /** Closes the open connections; a later call opens new ones. */
  destroy(): void {
    this.agent.destroy();
  }

  private async call<T>(action: string, input: object, waitMs: number, options: CallOptions = {}): Promise<T> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt<T>(action, body, waitMs, options.signal);
      } catch (error) {
        const kind = retryKind(error);
        if (kind === undefined || attempt >= this.maxAttempts || options.signal?.aborted) {
          if (error && typeof error === 'object') Object.assign(error, { attempts: attempt });
          throw error;
        }
        await sleep(backoffMs(kind, attempt - 1), options.signal);
      }
    }
  }

  private async attempt<T>(action: string, body: string, waitMs: number, signal: AbortSignal | undefined): Promise<T> {
    this.credentials ??= resolveCredentials(this.options.credentials);
    const target = `AmazonSQS.${action}`;
    // Signed anew per attempt: a retry after a backoff may fall on another second, or another day.
    const authentication = this.signer.sign(
      { host: this.target.host, path: this.target.path, headers: { 'content-type': CONTENT_TYPE, 'x-amz-target': target }, body, date: new Date() },
      this.credentials,
    );
    const headers = {
      host: this.target.host,
      'content-type': CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'x-amz-target': target,
      'user-agent': USER_AGENT,
      ...authentication,
    };
    const answer = await post(this.target, this.agent, headers, body, { connectMs: this.connectTimeoutMs, responseMs: this.responseTimeoutMs + waitMs }, signal);
    if (answer.statusCode !== 200) throw errorFromAnswer(answer.statusCode, answer.headers, answer.body);
    return (answer.body.length === 0 ? {} : JSON.parse(answer.body.toString('utf8'))) as T;
  }
}

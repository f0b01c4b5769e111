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
  /**
   * e.g. `http://127.0.0.1:9324`. Without it a request goes where its QueueUrl points (as the AWS
   * SDK does: on AWS that is `https://sqs.<region>.amazonaws.com`; a stand-in's URLs name the
   * stand-in), and to `https://sqs.<region>.amazonaws.com` if the URL names no origin.
   */
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
  /** Where requests go unless their QueueUrl names another origin (and no `endpoint` was given). */
  readonly endpoint: string;
  private readonly target: Endpoint;
  private readonly fixedEndpoint: boolean;
  private readonly queueOrigins = new Map<string, Endpoint>();
  private readonly agents = new Map<Endpoint['protocol'], Agent>();
  private readonly maxSockets: number;
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
    this.fixedEndpoint = options.endpoint !== undefined;
    this.target = parseEndpoint(this.endpoint);
    this.maxSockets = options.maxSockets ?? 64;
    this.signer = new SigV4Signer(region, 'sqs');
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
    this.responseTimeoutMs = options.responseTimeoutMs ?? 30_000;
  }

  async sendMessageBatch(
    input: { QueueUrl: string; Entries: SendMessageBatchEntry[] },
    options?: CallOptions,
  ): Promise<SendMessageBatchResult> {
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

  async changeMessageVisibilityBatch(
    input: { QueueUrl: string; Entries: ChangeMessageVisibilityBatchEntry[] },
    options?: CallOptions,
  ): Promise<BatchResult> {
    const answer = await this.call<Partial<BatchResult>>('ChangeMessageVisibilityBatch', input, 0, options);
    return { Successful: answer.Successful ?? [], Failed: answer.Failed ?? [] };
  }

  /** Closes the open connections; a later call opens new ones. */
  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(protocol: Endpoint['protocol']): Agent {
    let agent = this.agents.get(protocol);
    if (!agent) this.agents.set(protocol, (agent = keepAliveAgent(protocol, this.maxSockets)));
    return agent;
  }

  /** The endpoint option, else the origin of the QueueUrl, else the region's endpoint. */
  private targetFor(queueUrl: unknown): Endpoint {
    if (this.fixedEndpoint || typeof queueUrl !== 'string') return this.target;
    const origin = /^https?:\/\/[^/?#]+/i.exec(queueUrl)?.[0];
    if (!origin) return this.target;
    let target = this.queueOrigins.get(origin);
    if (!target) {
      target = parseEndpoint(origin);
      if (this.queueOrigins.size >= 16) this.queueOrigins.clear();
      this.queueOrigins.set(origin, target);
    }
    return target;
  }

  private async call<T>(action: string, input: { QueueUrl?: unknown }, waitMs: number, options: CallOptions = {}): Promise<T> {
    const body = JSON.stringify(input);
    const target = this.targetFor(input.QueueUrl);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt<T>(target, action, body, waitMs, options.signal);
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

  private async attempt<T>(endpoint: Endpoint, action: string, body: string, waitMs: number, signal: AbortSignal | undefined): Promise<T> {
    this.credentials ??= resolveCredentials(this.options.credentials);
    const target = `AmazonSQS.${action}`;
    // Signed anew per attempt: a retry after a backoff may fall on another second, or another day.
    const authentication = this.signer.sign(
      {
        host: endpoint.host,
        path: endpoint.path,
        headers: { 'content-type': CONTENT_TYPE, 'x-amz-target': target },
        body,
        date: new Date(),
      },
      this.credentials,
    );
    const headers = {
      host: endpoint.host,
      'content-type': CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'x-amz-target': target,
      'user-agent': USER_AGENT,
      ...authentication,
    };
    const timeouts = { connectMs: this.connectTimeoutMs, responseMs: this.responseTimeoutMs + waitMs };
    const answer = await post(endpoint, this.agentFor(endpoint.protocol), headers, body, timeouts, signal);
    if (answer.statusCode !== 200) throw errorFromAnswer(answer.statusCode, answer.headers, answer.body);
    return (answer.body.length === 0 ? {} : JSON.parse(answer.body.toString('utf8'))) as T;
  }
}

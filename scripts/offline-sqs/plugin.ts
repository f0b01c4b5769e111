import { SQSClient } from '@aws-sdk/client-sqs';
import { ensureQueues, queueDefinitions } from './queues';

interface PluginLog {
  notice(message: string): void;
  warning(message: string): void;
}

/**
 * serverless-offline companion: before the offline functions start, it makes the SQS endpoint
 * named by SQS_ENDPOINT hold every queue serverless.yml declares. Outside `offline start` it
 * does nothing, so `serverless deploy` and `package` are unaffected.
 */
export class OfflineSqsPlugin {
  readonly hooks: Record<string, () => Promise<void>>;

  constructor(
    private readonly serverless: any,
    _options: unknown,
    private readonly utils: { log: PluginLog },
  ) {
    this.hooks = { 'before:offline:start:init': () => this.createQueues() };
  }

  private async createQueues(): Promise<void> {
    const endpoint = process.env.SQS_ENDPOINT;
    if (!endpoint) {
      this.utils.log.warning('SQS_ENDPOINT is not set: no queues were created for offline use.');
      return;
    }
    const sqs = new SQSClient({
      endpoint,
      region: this.serverless.service.provider.region ?? 'us-east-1',
      credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' },
    });
    const urls = await ensureQueues(sqs, queueDefinitions(this.serverless.service.resources?.Resources));
    this.utils.log.notice(`offline-sqs: ${urls.size} queues ready at ${endpoint}`);
  }
}

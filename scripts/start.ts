// `npm start`: Redis, the local SQS endpoint and `serverless offline`, each a real process.
// Ctrl-C (or SIGTERM) stops them in reverse order; Redis keeps its data for the next start.
import { join, relative } from 'node:path';
import { startOffline } from './stack/offline';
import type { ManagedProcess } from './stack/processes';
import { redisDataDir, startRedis } from './stack/redis';
import { stackSettings } from './stack/settings';
import { startSqs } from './stack/sqs';

// The SDK's notice that its 2027 releases need Node 22 would print from every process we start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const started: ManagedProcess[] = [];
let stopping = false;

async function stopAll(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const part of [...started].reverse()) {
      process.stdout.write(`  stopping ${part.name}...`);
      await part.stop();
      process.stdout.write(' done\n');
    }
  }
  process.exit(exitCode);
}

/** Runs the scheduled replay once now, through serverless-offline's Lambda invoke endpoint. */
async function startupReplay(lambdaPort: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${lambdaPort}/2015-03-31/functions/sagashop-local-replayLog/invocations`, {
      method: 'POST',
      body: '{}',
    });
    const report = (await response.json()) as { ran?: boolean; lines?: { result: string }[]; note?: string };
    if (!report.ran) return `did not run: ${report.note ?? response.status}`;
    return `${report.lines?.length ?? 0} open saga(s) examined${report.note ? ` (${report.note})` : ''}`;
  } catch (error) {
    return `failed: ${(error as Error).message} (run npm run recover)`;
  }
}

const line = (name: string, where: string, what: string) => console.log(`  ${name.padEnd(6)} ${where.padEnd(30)} ${what}`);

async function main(): Promise<void> {
  const settings = stackSettings();
  const begun = Date.now();
  const show = (path: string) => relative(process.cwd(), path) || '.';
  console.log('sagashop: starting the local stack');

  const env: NodeJS.ProcessEnv = { ...process.env };
  if (settings.externalRedis) {
    line('redis', env.REDIS_URL || '(one URL per service)', 'external, not started here');
  } else {
    const redis = await startRedis({
      port: settings.redisPort,
      dataDir: redisDataDir(settings.dataDir),
      logFile: join(settings.logDir, 'redis.log'),
    });
    started.push(redis);
    env.REDIS_URL = `redis://127.0.0.1:${settings.redisPort}`;
    line('redis', env.REDIS_URL, `append-only data in ${show(redisDataDir(settings.dataDir))} (pid ${redis.child.pid})`);
  }

  if (settings.externalSqs) {
    env.SQS_ENDPOINT = settings.externalSqs;
    line('sqs', settings.externalSqs, 'external, not started here');
  } else {
    const sqs = await startSqs({ port: settings.sqsPort, logFile: join(settings.logDir, 'sqs.log') });
    started.push(sqs);
    env.SQS_ENDPOINT = `http://127.0.0.1:${settings.sqsPort}`;
    line('sqs', env.SQS_ENDPOINT, `${env.SQS_SERVER ?? 'sagashop'} SQS endpoint (pid ${sqs.child.pid})`);
  }

  // The SDK signs every request; a local endpoint accepts any key, but there must be one.
  env.AWS_ACCESS_KEY_ID ??= 'local';
  env.AWS_SECRET_ACCESS_KEY ??= 'local';
  env.AWS_REGION ??= 'us-east-1';

  const offline = await startOffline({
    httpPort: settings.httpPort,
    lambdaPort: settings.lambdaPort,
    logFile: join(settings.logDir, 'offline.log'),
    env,
  });
  started.push(offline);
  const api = `http://127.0.0.1:${settings.httpPort}`;
  line('api', api, `serverless offline (pid ${offline.child.pid})`);

  line('replay', 'replayLog, once at start-up', await startupReplay(settings.lambdaPort));

  const seconds = ((Date.now() - begun) / 1000).toFixed(1);
  console.log(`sagashop is up in ${seconds} s. API: ${api}  Logs: ${show(settings.logDir)}`);
  console.log('Press Ctrl-C to stop (or send SIGTERM to this process).');

  for (const part of started) {
    part.exited.then((code) => {
      if (stopping) return;
      console.error(`${part.name} exited unexpectedly (${code}); see ${show(settings.logDir)}. Stopping the rest.`);
      void stopAll(1);
    });
  }
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

main().catch((error: Error) => {
  console.error(`sagashop could not start: ${error.message}`);
  void stopAll(1);
});

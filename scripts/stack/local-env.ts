import { SAGA, queueNameOf, queueUrlVariable, stepNamesOf } from '../../lib/saga/definition';

/**
 * The environment a script needs to act on a stack started with `npm start` (or on what
 * REDIS_URL / SQS_ENDPOINT name): call it before importing anything from lib/, which reads its
 * configuration once, at load.
 */
export function useLocalStackEnv(env: NodeJS.ProcessEnv = process.env): void {
  env.REDIS_URL ||= `redis://127.0.0.1:${env.REDIS_PORT ?? 6390}`;
  env.SQS_ENDPOINT ||= `http://127.0.0.1:${env.SQS_PORT ?? 9324}`;
  env.AWS_REGION ||= 'us-east-1';
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';
  env.AWS_ACCESS_KEY_ID ||= 'local';
  env.AWS_SECRET_ACCESS_KEY ||= 'local';
  const stage = env.STAGE ?? 'local';
  for (const step of stepNamesOf(SAGA)) env[queueUrlVariable(step)] ||= `${env.SQS_ENDPOINT}/000000000000/${queueNameOf(SAGA, stage, step)}`;
}

import { configure, LOCAL_REDIS_PORT, localRedisUrl, readConfig } from '../../lib/clients/config';
import { SAGA, queueNameOf, queueUrlVariable, stepNamesOf } from '../../lib/saga/definition';

/**
 * Points a script at a stack started with `npm start` (or at what REDIS_URL / SQS_ENDPOINT name):
 * fills in the environment (the AWS SDK reads its region and keys there) and hands lib/ the
 * configuration read from it, failing here if it is invalid.
 */
export function useLocalStackEnv(env: NodeJS.ProcessEnv = process.env): void {
  env.REDIS_URL ||= localRedisUrl(env.REDIS_PORT || LOCAL_REDIS_PORT);
  env.SQS_ENDPOINT ||= `http://127.0.0.1:${env.SQS_PORT ?? 9324}`;
  env.AWS_REGION ||= 'us-east-1';
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';
  env.AWS_ACCESS_KEY_ID ||= 'local';
  env.AWS_SECRET_ACCESS_KEY ||= 'local';
  const stage = env.STAGE ?? 'local';
  for (const step of stepNamesOf(SAGA))
    env[queueUrlVariable(step)] ||= `${env.SQS_ENDPOINT}/000000000000/${queueNameOf(SAGA, stage, step)}`;
  configure(readConfig(env));
}

import { Logger } from '@aws-lambda-powertools/logger';
import { lambdaRuntime } from './config';
import { redactSecrets } from './secrets';

// The process's logger, beside the configuration and the secrets it depends on, so that every layer
// (lib/store too) may log without importing lib/lambda; lib/lambda/observability.ts builds the
// invocation's logs and the metrics on it.

/**
 * The function's key in serverless.yml (`reserveStock`), from its deployed name
 * (`sagashop-prod-reserveStock`): stable across stages, so alarms can name the metrics'
 * `service` dimension. The keys have no hyphens; stages may. Outside Lambda: "sagashop".
 */
export function serviceNameOf(functionName: string | undefined): string {
  if (!functionName) return 'sagashop';
  return functionName.slice(functionName.lastIndexOf('-') + 1) || functionName;
}

const serviceName = serviceNameOf(lambdaRuntime().functionName);

/**
 * Powertools writes through a console of its own (a `new Console` on process.stdout), not the
 * global one that lib/clients/secrets.ts scrubs: every string of a line, error messages and whatever an
 * error carries (ioredis's failed AUTH command holds the token) included, is scrubbed here.
 */
const scrubSecrets = (_key: string, value: unknown) => (typeof value === 'string' ? redactSecrets(value) : value);

/** The process's logger: lines that belong to no invocation (a connection's errors). */
export const logger = new Logger({ serviceName, jsonReplacerFn: scrubSecrets });

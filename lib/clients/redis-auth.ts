import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type middy from '@middy/core';
import { config } from './config';
import { hideInLogs } from './secrets';

// On AWS the Redis AUTH token lives in SSM Parameter Store (a SecureString): the template and the
// functions' environment hold only the parameter's name (REDIS_AUTH_PARAMETER), and each function's
// role may read only that parameter. The token is read once per container, before the first Redis
// command (the middy chains call loadRedisAuth()), so a rotation reaches new containers without a
// deploy. Local stages have no REDIS_AUTH_PARAMETER: their URLs carry any password themselves and
// no SSM call is made.

export type TokenReader = (parameterName: string) => Promise<string>;

export async function readTokenFromSsm(parameterName: string): Promise<string> {
  const ssm = new SSMClient({ maxAttempts: 3 });
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }));
    if (!Parameter?.Value) throw new Error('the parameter has no value');
    return Parameter.Value;
  } finally {
    ssm.destroy();
  }
}

export interface RedisAuth {
  /** Reads the token if this process has not yet; concurrent callers share one read. */
  load(): Promise<void>;
  /** The token to AUTH with, or undefined when there is none; throws if it is due but not loaded. */
  token(): string | undefined;
}

export function redisAuthFrom(parameterName: string | undefined, read: TokenReader = readTokenFromSsm): RedisAuth {
  let token: string | undefined;
  let loading: Promise<void> | undefined;
  return {
    load() {
      if (!parameterName || token !== undefined) return Promise.resolve();
      loading ??= read(parameterName).then(
        (value) => {
          hideInLogs(value);
          token = value;
        },
        (error: Error) => {
          loading = undefined; // the next invocation tries again
          // The SDK's error names the parameter and the reason, never a value.
          throw new Error(`could not read the Redis AUTH token from SSM parameter ${parameterName}: ${error.name}: ${error.message}`);
        },
      );
      return loading;
    },
    token() {
      if (parameterName && token === undefined) {
        throw new Error(`the Redis AUTH token (SSM parameter ${parameterName}) is used before it was loaded: call loadRedisAuth() first`);
      }
      return token;
    },
  };
}

let configured: { parameterName: string | undefined; auth: RedisAuth } | undefined;
const current = (): RedisAuth => {
  const parameterName = config.redisAuthParameter;
  if (!configured || configured.parameterName !== parameterName) configured = { parameterName, auth: redisAuthFrom(parameterName) };
  return configured.auth;
};

/** The token of this process's configuration (REDIS_AUTH_PARAMETER), set up on first use. */
export const redisAuth: RedisAuth = { load: () => current().load(), token: () => current().token() };

/** Middy middleware of every function that talks to Redis: the token is there before the handler runs. */
export const loadRedisAuth = (): middy.MiddlewareObj => ({ before: () => redisAuth.load() });

import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';

export interface FunctionSpec {
  /** The framework's function key and deployed name. */
  functionKey: string;
  name: string;
  /** `path/to/file.exportName`, relative to `codeDir`. */
  handler: string;
  codeDir: string;
  timeoutSeconds: number;
  memorySize: number;
  region: string;
}

/**
 * Invokes one bundled function in this process, loading its module once. serverless-offline's
 * own in-process runner re-resolves the module on the file system and copies the whole
 * environment on every invocation, which under queue load cost more than the handlers; this
 * keeps what a handler can see (event, a Lambda context, the function's timeout) without it.
 * `reset()` forgets the module, so a rebuilt bundle is loaded on the next invocation.
 */
export function directInvoker(spec: FunctionSpec) {
  const dot = spec.handler.lastIndexOf('.');
  const modulePath = resolve(spec.codeDir, `${spec.handler.slice(0, dot)}.js`);
  const exportName = spec.handler.slice(dot + 1);
  let handler: ((event: unknown, context: unknown) => Promise<unknown>) | null = null;

  const invoke = async (event: unknown): Promise<unknown> => {
    if (!handler) {
      // As Lambda sets it: the function's logger and metrics take their service name from it
      // when the module loads (lib/lambda/observability.ts). The thread's functions load one at a time.
      process.env.AWS_LAMBDA_FUNCTION_NAME = spec.name;
      const loaded = require(modulePath)[exportName];
      if (typeof loaded !== 'function') throw new Error(`${spec.functionKey}: ${spec.handler} is not a function`);
      handler = loaded;
    }
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    const awsRequestId = randomUUID();
    const context = {
      functionName: spec.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${spec.region}:000000000000:function:${spec.name}`,
      memoryLimitInMB: String(spec.memorySize),
      awsRequestId,
      logGroupName: `/aws/lambda/${spec.name}`,
      logStreamName: 'offline',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${spec.functionKey} timed out after ${spec.timeoutSeconds} s`)),
        spec.timeoutSeconds * 1000,
      );
    });
    try {
      return await Promise.race([handler!(event, context), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };

  const reset = () => {
    handler = null;
    delete require.cache[modulePath];
  };

  return { invoke, reset };
}

// The endpoint as a process of its own: `sqs-endpoint [--port 9324] [--host 127.0.0.1]
// [--faults duplicate,delay=300,drop=0.1] [--implementation builtin|local-aws-sqs]`.
// It creates no queues: whoever uses it does (e.g. the offline-sqs plugin, from serverless.yml).
import { parseArgs } from 'node:util';
import { parseSendFaults, type SendFaults } from './faults';
import { startSqsEndpoint } from './server';

export const IMPLEMENTATIONS = ['builtin', 'local-aws-sqs'] as const;

export interface CliOptions {
  port: number;
  host: string;
  faults: SendFaults;
  /** `builtin` is this package; `local-aws-sqs` the npm package of that name, for comparisons. */
  implementation: (typeof IMPLEMENTATIONS)[number];
}

/** The options of the command line, checked; a mistake is one sentence. */
export function parseCliOptions(args: string[]): CliOptions {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '9324' },
      host: { type: 'string', default: '127.0.0.1' },
      faults: { type: 'string', default: '' },
      implementation: { type: 'string', default: 'builtin' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a TCP port number (got ${values.port})`);
  const implementation = IMPLEMENTATIONS.find((name) => name === values.implementation);
  if (!implementation) throw new Error(`--implementation must be ${IMPLEMENTATIONS.join(' or ')} (got "${values.implementation}")`);
  const faults = parseSendFaults(values.faults);
  if (implementation !== 'builtin' && values.faults) throw new Error('--faults needs --implementation builtin');
  return { port, host: values.host, faults, implementation };
}

async function start(options: CliOptions): Promise<void> {
  let url: string;
  if (options.implementation === 'local-aws-sqs') {
    // An optional peer dependency: loaded only when asked for.
    const { createSqsServer } = await import('local-aws-sqs');
    await createSqsServer({ port: options.port, hostname: options.host });
    url = `http://${options.host}:${options.port}`;
  } else {
    ({ url } = await startSqsEndpoint({
      port: options.port,
      hostname: options.host,
      faults: options.faults,
    }));
  }
  console.log(`${options.implementation} SQS endpoint listening on ${url}`);
}

/** Runs the command line: starts the endpoint, or prints why not and exits 1. */
export function main(args: string[] = process.argv.slice(2)): void {
  Promise.resolve()
    .then(() => start(parseCliOptions(args)))
    .catch((error: unknown) => {
      console.error(`the SQS endpoint failed to start: ${(error as Error).message ?? error}`);
      process.exit(1);
    });
}

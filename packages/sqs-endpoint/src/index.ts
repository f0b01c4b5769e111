// The public API of @sagashop/sqs-endpoint (README.md). Everything else in src/ is internal.
import { join } from 'node:path';

export { startSqsEndpoint, SqsEndpoint, type SqsEndpointOptions, type RunningSqsEndpoint } from './server';
export { parseSendFaults, type SendFaults } from './faults';
export { parseCliOptions, IMPLEMENTATIONS, type CliOptions } from './cli';

/** The command line (bin/sqs-endpoint.cjs), for those who start the endpoint as a process of its own. */
export const SQS_ENDPOINT_BIN = join(__dirname, '..', 'bin', 'sqs-endpoint.cjs');

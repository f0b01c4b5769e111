/**
 * The plugin's options, from `custom.offlineSqs` in serverless.yml:
 *   endpoint    the SQS endpoint to create the queues on and poll (required to do anything)
 *   batchSize   messages per receive for every sqs event, over each event's own batchSize
 *               (1 suits local-aws-sqs, whose long poll waits for a full batch)
 *   pollers     most polling loops per queue when an event sets no maximumConcurrency (4)
 */
export interface OfflineSqsOptions {
  endpoint?: string;
  batchSize?: number;
  pollers: number;
}

export const OPTIONS_KEY = 'offlineSqs';

function positiveInteger(raw: unknown, name: string, most: number): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > most)
    throw new Error(`custom.${OPTIONS_KEY}.${name} must be a whole number from 1 to ${most} (got ${JSON.stringify(raw)})`);
  return value;
}

/** Reads and checks the options; a mistake is one sentence naming the option. */
export function readOptions(custom: Record<string, unknown> | undefined): OfflineSqsOptions {
  const raw = (custom?.[OPTIONS_KEY] ?? {}) as Record<string, unknown>;
  const known = new Set(['endpoint', 'batchSize', 'pollers']);
  const unknown = Object.keys(raw).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new Error(`custom.${OPTIONS_KEY} has no option ${unknown.join(', ')} (it knows ${[...known].join(', ')})`);
  const endpoint = typeof raw.endpoint === 'string' && raw.endpoint.trim() !== '' ? raw.endpoint.trim() : undefined;
  return {
    endpoint,
    batchSize: positiveInteger(raw.batchSize, 'batchSize', 10),
    pollers: positiveInteger(raw.pollers, 'pollers', 100) ?? 4,
  };
}

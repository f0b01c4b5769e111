/** An SQS endpoint a suite runs against: a name, and how to start (and later stop) it. */
export type ParityTarget = [string, () => Promise<{ url: string; close(): Promise<void> }>];

/**
 * The given local endpoints, plus the one SQS_PARITY_ENDPOINT names (e.g. LocalStack on
 * http://localhost:4566, or ElasticMQ): already running, so it is neither started nor stopped.
 */
export function parityTargets(local: ParityTarget[]): ParityTarget[] {
  const external = process.env.SQS_PARITY_ENDPOINT?.trim();
  if (!external) return local;
  return [...local, [`SQS_PARITY_ENDPOINT (${external})`, async () => ({ url: external, close: async () => undefined })]];
}

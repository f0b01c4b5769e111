// Powertools' own settings, which it reads from the environment when lib/lambda/observability.ts builds
// the logger and the metrics: every log line from DEBUG up, and EMF blobs. Import it first, before
// anything that loads lib/lambda/observability.ts (test/support/worker-env.ts turns both down for other files).
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

/** For afterAll: the next test file in this worker gets worker-env.ts's quiet defaults again. */
export function forgetPowertoolsSettings(): void {
  delete process.env.POWERTOOLS_LOG_LEVEL;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
}

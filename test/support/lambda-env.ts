// Every tier: what Lambda always provides, and quiet functions. The local endpoints accept any key.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The functions' logger and metrics (lib/lambda/observability.ts) write to stdout through a console of
// their own, past jest's: tests print only warnings and errors, and no EMF blobs. Stacks a test
// starts inherit this. test/integration/observability.test.ts turns both on for itself.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

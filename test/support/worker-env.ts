// Runs before each test file's imports: lib/clients/config reads REDIS_URL once, at load.
// Test files in parallel workers get separate Redis databases, so they never see each other's keys.
process.env.REDIS_URL = `${process.env.TEST_REDIS_BASE_URL}/${Number(process.env.JEST_WORKER_ID ?? 1)}`;
for (const name of ['STOCK_REDIS_URL', 'PAYMENT_REDIS_URL', 'ORDER_REDIS_URL', 'IDS_REDIS_URL']) delete process.env[name];
// What Lambda always provides; the local endpoints accept any key.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The functions' logger and metrics (lib/lambda/observability.ts) write to stdout through a console of
// their own, past jest's: tests print only warnings and errors, and no EMF blobs. Stacks a test
// starts inherit this. test/unit/observability.test.ts turns both on for itself.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

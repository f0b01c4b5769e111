// The tiers with servers (jest/base.js: withServers), after lambda-env.ts. Runs before each test
// file's imports: lib/clients/config reads REDIS_URL once, at load.
// Test files in parallel workers get separate Redis databases, so they never see each other's keys.
process.env.REDIS_URL = `${process.env.TEST_REDIS_BASE_URL}/${Number(process.env.JEST_WORKER_ID ?? 1)}`;
for (const name of ['STOCK_REDIS_URL', 'PAYMENT_REDIS_URL', 'ORDER_REDIS_URL', 'IDS_REDIS_URL']) delete process.env[name];

// Throws while its module loads, as a handler did that read a missing setting at import.
if (!process.env.NEVER_SET_IN_THIS_TEST) {
  throw new Error('RESERVE_STOCK_QUEUE_URL must be the URL of the reserve-stock queue (thrown at import in /work/secret/path.ts)');
}

export const handler = async () => ({ statusCode: 200, body: '{}' });

// `npm run recover`: runs the log replay once, by hand, against a stack (REDIS_URL / SQS_ENDPOINT,
// or the one `npm start` runs), and prints what it did, saga by saga.
//   npm run recover                 sagas idle for REPLAY_STALE_MS (15 s)
//   npm run recover -- --stale-ms 0 every open saga, now
import { closeRedisClients } from '../lib/redis';
import { replayLog } from '../lib/saga/recovery';
import { closeSqsClient } from '../lib/sqs';
import { useLocalStackEnv } from './stack/local-env';

async function main(): Promise<void> {
  useLocalStackEnv();
  const index = process.argv.indexOf('--stale-ms');
  const staleMs = index >= 0 ? Number(process.argv[index + 1]) : undefined;
  const report = await replayLog({ staleMs });
  for (const line of report.lines) console.log(`  saga ${line.sagaId} (order ${line.orderId}): ${line.action} — ${line.why} → ${line.result}`);
  if (!report.ran) console.log(`recover: did not run: ${report.note}`);
  else console.log(`recover: ${report.lines.length} open saga(s) examined${report.note ? `; ${report.note}` : ''} (token ${report.token})`);
  await closeRedisClients();
  closeSqsClient();
}

main().catch((error: Error) => {
  console.error(`recover failed: ${error.message}`);
  process.exit(1);
});

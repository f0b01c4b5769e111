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
  // A run stops after its time budget with `more` set when a backlog is left: run again until none is.
  for (let more = true; more; ) {
    const report = await replayLog({ staleMs });
    for (const line of report.lines) console.log(`  saga ${line.sagaId} (order ${line.orderId}): ${line.action} — ${line.why} → ${line.result}`);
    for (const orphan of report.orphans ?? []) console.log(`  saga ${orphan.sagaId} (unknown to the order service, found in the ${orphan.found} log) → ${orphan.result}`);
    if (!report.ran) console.log(`recover: did not run: ${report.note}`);
    else {
      const orphans = report.orphans?.length ? `, ${report.orphans.length} orphan(s) given back` : '';
      console.log(`recover: ${report.lines.length} open saga(s) examined${orphans}${report.more ? '; more is left, running again' : ''}${report.note ? `; ${report.note}` : ''} (token ${report.token})`);
    }
    more = report.ran && report.more === true && !report.note;
  }
  await closeRedisClients();
  closeSqsClient();
}

main().catch((error: Error) => {
  console.error(`recover failed: ${error.message}`);
  process.exit(1);
});

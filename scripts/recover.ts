// `npm run recover`: runs the log replay once, by hand, against a stack (REDIS_URL / SQS_ENDPOINT,
// or the one `npm start` runs), and prints what it did, saga by saga.
//   npm run recover                 sagas idle for REPLAY_STALE_MS (15 s)
//   npm run recover -- --stale-ms 0 every open saga, now
//   npm run recover -- --stage prod a deployed stage's, through its operator API (signed); each
//                                   run there stops after 20 s and says `more`
import { closeRedisClients } from '../lib/clients/redis';
import { replayLog, type ReplayReport } from '../lib/saga/recovery';
import { closeSqsClient } from '../lib/clients/sqs';
import { RemoteOperator, option, remoteTarget } from './operator/remote';
import { useLocalStackEnv } from './stack/local-env';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const stale = option(argv, 'stale-ms');
  const staleMs = stale === undefined ? undefined : Number(stale);
  if (staleMs !== undefined && !(Number.isInteger(staleMs) && staleMs >= 0))
    throw new Error(`--stale-ms must be a whole number of milliseconds (got ${stale})`);
  const target = await remoteTarget(argv);
  if (!target) useLocalStackEnv();
  const run: () => Promise<ReplayReport> = target ? () => new RemoteOperator(target).replay(staleMs) : () => replayLog({ staleMs });
  // A run stops after its time budget with `more` set when a backlog is left: run again until none is.
  for (let more = true; more;) {
    const report = await run();
    for (const line of report.lines)
      console.log(`  saga ${line.sagaId} (order ${line.orderId}): ${line.action} — ${line.why} → ${line.result}`);
    for (const orphan of report.orphans ?? [])
      console.log(`  saga ${orphan.sagaId} (unknown to the order service, found in the ${orphan.found} log) → ${orphan.result}`);
    if (!report.ran) console.log(`recover: did not run: ${report.note}`);
    else {
      const orphans = report.orphans?.length ? `, ${report.orphans.length} orphan(s) given back` : '';
      console.log(
        `recover: ${report.lines.length} open saga(s) examined${orphans}${report.more ? '; more is left, running again' : ''}${report.note ? `; ${report.note}` : ''} (token ${report.token})`,
      );
    }
    more = report.ran && report.more === true && !report.note;
  }
  if (!target) {
    await closeRedisClients();
    closeSqsClient();
  }
}

main().catch((error: Error) => {
  console.error(`recover failed: ${error.message}`);
  process.exit(1);
});

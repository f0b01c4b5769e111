// `npm run check`: reads the whole state of a stack (REDIS_URL, or the one `npm start` runs) and
// verifies every invariant of the HTTP contract. One verdict line; exit 1 on a violation.
// With `--stage <name>` or `--api <url>`: of a deployed stage, through its operator API (signed).
import { OperatorApi } from '../lib/operator/api';
import { closeRedisClients } from '../lib/clients/redis';
import { RemoteOperator, remoteTarget } from './operator/remote';
import { useLocalStackEnv } from './stack/local-env';

async function main(): Promise<void> {
  const target = await remoteTarget(process.argv.slice(2));
  if (!target) useLocalStackEnv();
  const report = target ? await new RemoteOperator(target).check() : await new OperatorApi().check();
  for (const violation of report.violations) console.log(`  ${violation}`);
  if (report.violationCount > report.violations.length) console.log(`  ... and ${report.violationCount - report.violations.length} more`);
  console.log(report.summary);
  console.log(
    report.audit.violations === 0
      ? `log audit: OK — ${report.audit.audited} balances follow their logged changes`
      : `log audit: VIOLATED — ${report.audit.violations} balance(s) changed outside the log`,
  );
  if (!target) await closeRedisClients();
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((error: Error) => {
  console.error(`check could not run: ${error.message}`);
  process.exit(2);
});

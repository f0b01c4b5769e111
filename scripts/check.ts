// `npm run check`: reads the whole state of a stack (REDIS_URL, or the one `npm start` runs) and
// verifies every invariant of the HTTP contract. One verdict line; exit 1 on a violation.
import { checkInvariants } from '../lib/domain/invariants';
import { closeRedisClients } from '../lib/redis';
import { auditLogs, readSystemState } from '../lib/store/inspection';
import { useLocalStackEnv } from './stack/local-env';

async function main(): Promise<void> {
  useLocalStackEnv();
  const state = await readSystemState();
  const verdict = checkInvariants(state);
  const audit = await auditLogs(state);
  const violations = [...verdict.violations, ...audit.violations];
  for (const violation of violations.slice(0, 50)) console.log(`  ${violation}`);
  if (violations.length > 50) console.log(`  ... and ${violations.length - 50} more`);
  console.log(verdict.summary);
  console.log(
    audit.violations.length === 0
      ? `log audit: OK — ${audit.audited} balances follow their logged changes`
      : `log audit: VIOLATED — ${audit.violations.length} balance(s) changed outside the log`,
  );
  await closeRedisClients();
  process.exitCode = verdict.ok && audit.violations.length === 0 ? 0 : 1;
}

main().catch((error: Error) => {
  console.error(`check could not run: ${error.message}`);
  process.exit(2);
});

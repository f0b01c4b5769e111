// `npm run check`: reads the whole state of a stack (REDIS_URL, or the one `npm start` runs) and
// verifies every invariant of the HTTP contract. One verdict line; exit 1 on a violation.
import { useLocalStackEnv } from './stack/local-env';

useLocalStackEnv();

async function main(): Promise<void> {
  const { readSystemState } = await import('../lib/store/inspection');
  const { checkInvariants } = await import('../lib/domain/invariants');
  const { closeRedisClients } = await import('../lib/redis');
  const verdict = checkInvariants(await readSystemState());
  for (const violation of verdict.violations.slice(0, 50)) console.log(`  ${violation}`);
  if (verdict.violations.length > 50) console.log(`  ... and ${verdict.violations.length - 50} more`);
  console.log(verdict.summary);
  await closeRedisClients();
  process.exitCode = verdict.ok ? 0 : 1;
}

main().catch((error: Error) => {
  console.error(`check could not run: ${error.message}`);
  process.exit(2);
});

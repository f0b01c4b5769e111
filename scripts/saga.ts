// `npm run saga -- <order id or saga id>`: one saga's whole history from the logs of all three
// services, in time order, and where it stands now. For an order id, every saga of that order.
// With `--stage <name>` or `--api <url>`: of a deployed stage, through its operator API (signed).
import { OperatorApi } from '../lib/operator/api';
import { closeRedisClients } from '../lib/clients/redis';
import { REMOTE_OPTIONS, RemoteOperator, positionals, remoteTarget } from './operator/remote';
import { useLocalStackEnv } from './stack/local-env';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const [id] = positionals(argv, REMOTE_OPTIONS);
  if (!id) {
    console.error('usage: npm run saga -- <order id or saga id> [--stage <name> | --api <url>]');
    process.exit(2);
  }
  const target = await remoteTarget(argv);
  if (!target) useLocalStackEnv();
  const { sagas } = target ? await new RemoteOperator(target).saga(id) : await new OperatorApi().saga(id);
  if (sagas.length === 0)
    console.log(`no saga of ${id} in the retained log (is it an order or saga id? was it checked out within the retention window?)`);
  for (const saga of sagas) console.log(saga.text);
  if (!target) await closeRedisClients();
  process.exitCode = sagas.length === 0 ? 1 : 0;
}

main().catch((error: Error) => {
  console.error(`saga could not run: ${error.message}`);
  process.exit(2);
});

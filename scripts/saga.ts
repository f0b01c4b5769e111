// `npm run saga -- <order id or saga id>`: one saga's whole history from the logs of all three
// services, in time order, and where it stands now. For an order id, every saga of that order.
import { formatHistory } from '../lib/domain/saga-history';
import { closeRedisClients } from '../lib/redis';
import { readSagaHistory, sagasNamedBy } from '../lib/store/saga-history';
import { useLocalStackEnv } from './stack/local-env';

async function main(): Promise<void> {
  useLocalStackEnv();
  const id = process.argv[2];
  if (!id) {
    console.error('usage: npm run saga -- <order id or saga id>');
    process.exit(2);
  }
  const sagas = await sagasNamedBy(id);
  if (sagas.length === 0) console.log(`no saga of ${id} in the retained log (is it an order or saga id? was it checked out within the retention window?)`);
  for (const sagaId of sagas) console.log(formatHistory(await readSagaHistory(sagaId)));
  await closeRedisClients();
  process.exitCode = sagas.length === 0 ? 1 : 0;
}

main().catch((error: Error) => {
  console.error(`saga could not run: ${error.message}`);
  process.exit(2);
});

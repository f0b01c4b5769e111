// `npm run saga -- <order id or saga id>`: one saga's whole history from the logs of all three
// services, in time order, and where it stands now. For an order id, every saga of that order.
import { useLocalStackEnv } from './stack/local-env';

useLocalStackEnv();

async function main(): Promise<void> {
  const id = process.argv[2];
  if (!id) {
    console.error('usage: npm run saga -- <order id or saga id>');
    process.exit(2);
  }
  const { sagasNamedBy, readSagaHistory } = await import('../lib/store/saga-history');
  const { formatHistory } = await import('../lib/domain/saga-history');
  const { closeRedisClients } = await import('../lib/redis');
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

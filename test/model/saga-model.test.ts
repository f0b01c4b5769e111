// Model-based test of the checkout saga: fast-check generates interleavings of checkouts,
// duplicated / reordered / dropped / late deliveries, crashes between a step's write and its send,
// replays (crashed, losing their lock, overlapping, interrupted), batch_init, direct balance changes
// and time passing, runs them against the real Lua scripts and step functions on this worker's
// Redis database, and checks the saga's guarantees after every command and once settled.
// A fixed seed and a bounded number of runs keep it quick; `npm run explore` runs it longer.
import * as fc from 'fast-check';
import { newStats } from './model';
import { sagaModelProperty } from './property';
import { configureModel, MODEL_WINDOWS } from './saga-lib';

const SEED = 8_2026;
const RUNS = 25;
const MAX_COMMANDS = 40;

const lib = configureModel(process.env.REDIS_URL!);

afterAll(() => lib.redis.closeRedisClients());

it(`keeps every saga guarantee over ${RUNS} random interleavings (seed ${SEED}, windows ${JSON.stringify(MODEL_WINDOWS)})`, async () => {
  const stats = newStats();
  await fc.assert(sagaModelProperty(lib, stats, { maxCommands: MAX_COMMANDS }), {
    seed: SEED,
    numRuns: RUNS,
    // Shrinking a failure replays runs that each take real time: stop it before jest's timeout
    // and report the smallest sequence found so far.
    interruptAfterTimeLimit: 150_000,
  });
  expect(stats.commands).toBeGreaterThan(RUNS);
}, 180_000);

// `npm run explore`: the model-based test of the checkout saga (test/model/), run longer than in
// `npm test`, against a redis-server of its own on a free port.
//   npm run explore -- --runs 500 --seed 42            500 random interleavings from seed 42
//   npm run explore -- --max-commands 60               longer sequences (default 40)
//   npm run explore -- --seed S --path P --replay-path R   replay a reported failure
//   npm run explore -- --trace                         print each passing run's history too
//   npm run explore -- --no-fills --no-free-orders     leave out balances raised to 2^53-1 and orders
//                                                      that cost 0 (to look past those two defects)
//   npm run explore -- --no-lost-writes --no-batch-init --no-skew --no-backlogs
//                                                      leave out a family of edge faults (docs/exploration.md)
//   npm run explore -- --skew-ahead-only               replay clocks only ahead of Redis's, never behind
//   npm run explore -- --durability none               a Redis without persistence, REDIS_DURABILITY=none:
//                                                      crashes of its host may lose acknowledged writes
//                                                      (default fsync: appendfsync always, nothing lost)
// Prints progress, then the runs and commands explored; on a violation, fast-check's report (seed,
// path, the shrunk command sequence, what broke and the run's history) and exit code 1.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { freePort } from './stack/free-port';
import { startRedis } from './stack/redis';
import { newStats } from '../test/model/model';
import { sagaModelProperty } from '../test/model/property';
import { configureModel } from '../test/model/saga-lib';

interface ExploreArgs {
  runs: number;
  seed: number;
  maxCommands: number;
  path?: string;
  replayPath?: string;
  trace: boolean;
  fills: boolean;
  freeOrders: boolean;
  lostWrites: boolean;
  batchInitBalances: boolean;
  clockSkew: 'both' | 'ahead' | false;
  backlogs: boolean;
  durability: 'fsync' | 'none';
}

function durabilityArg(raw: string | undefined): ExploreArgs['durability'] {
  if (raw === undefined || raw === 'fsync' || raw === 'none') return raw ?? 'fsync';
  throw new Error(`--durability must be fsync or none (got ${raw})`);
}

/**
 * The model's Redis as the durability setting needs it: with fsync, every write is on disk before
 * Redis answers it (its files in memory-backed /dev/shm where there is one: the model tests the
 * guarantee, not the disk); with none, no persistence at all, so a crash may lose anything.
 */
function redisArgs(durability: ExploreArgs['durability']): string[] {
  return durability === 'fsync' ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
}

function parseArgs(argv: string[]): ExploreArgs {
  const value = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const number = (name: string, fallback: number) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isSafeInteger(parsed)) throw new Error(`${name} must be a whole number (got ${raw})`);
    return parsed;
  };
  return {
    runs: number('--runs', 200),
    seed: number('--seed', Date.now() % 2 ** 31),
    maxCommands: number('--max-commands', 40),
    path: value('--path'),
    replayPath: value('--replay-path'),
    trace: argv.includes('--trace'),
    fills: !argv.includes('--no-fills'),
    freeOrders: !argv.includes('--no-free-orders'),
    lostWrites: !argv.includes('--no-lost-writes'),
    batchInitBalances: !argv.includes('--no-batch-init'),
    clockSkew: argv.includes('--no-skew') ? false : argv.includes('--skew-ahead-only') ? 'ahead' : 'both',
    backlogs: !argv.includes('--no-backlogs'),
    durability: durabilityArg(value('--durability')),
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'sagashop-explore-'));
  const port = await freePort();
  const redis = await startRedis({
    port,
    dataDir: join(dir, 'redis'),
    logFile: join(dir, 'redis.log'),
    extraArgs: redisArgs(args.durability),
  });
  process.env.REDIS_DURABILITY = args.durability;
  const lib = configureModel(`redis://127.0.0.1:${port}/0`);
  const stats = newStats();
  const started = Date.now();
  let passed = 0;
  let runMs = 0;
  console.log(
    `explore: ${args.runs} runs of up to ${args.maxCommands} commands, seed ${args.seed}, redis on port ${port}, durability ${args.durability}`,
  );
  const progress = setInterval(() => {
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(
      `  ${seconds} s: ${stats.runs} runs (${passed} passed), ${stats.commands} commands, ${stats.sagas} sagas, ${stats.deliveries} deliveries, ${stats.replays} replays`,
    );
  }, 10_000);
  try {
    const property = sagaModelProperty(lib, stats, {
      maxCommands: args.maxCommands,
      replayPath: args.replayPath,
      choices: {
        fills: args.fills,
        freeOrders: args.freeOrders,
        lostWrites: args.lostWrites,
        batchInitBalances: args.batchInitBalances,
        clockSkew: args.clockSkew,
        backlogs: args.backlogs,
      },
      onRunPassed: (elapsedMs, trace) => {
        passed++;
        runMs += elapsedMs;
        if (args.trace) console.log([`run ${stats.runs} passed in ${elapsedMs} ms:`, ...trace.map((line) => `    ${line}`)].join('\n'));
      },
    });
    const result = await fc.check(property, {
      seed: args.seed,
      numRuns: args.runs,
      path: args.path,
      endOnFailure: args.path !== undefined,
    });
    clearInterval(progress);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `explore: ${stats.runs} runs (${passed} passed, ${args.runs} asked), ${stats.commands} commands, ${stats.sagas} sagas, ` +
        `${stats.deliveries} deliveries, ${stats.replays} replays in ${seconds.toFixed(1)} s; ` +
        `${passed > 0 ? (runMs / passed).toFixed(0) : '-'} ms per passing run; seed ${args.seed}`,
    );
    const outcomes = Object.entries(stats.outcomes).sort(([a], [b]) => (a < b ? -1 : 1));
    console.log(`explore: outcomes: ${outcomes.map(([what, times]) => `${what} ${times}`).join(', ')}`);
    if (!result.failed) {
      console.log('explore: OK — no interleaving broke a guarantee');
      return 0;
    }
    console.log(fc.defaultReportMessage(result));
    // The report names the error; its message (what broke, and the run's history) follows in full.
    console.log(result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance));
    console.log(
      `explore: VIOLATED — replay with: npm run explore -- --seed ${result.seed} --path "${result.counterexamplePath}" (and --replay-path from the report)`,
    );
    return 1;
  } finally {
    clearInterval(progress);
    await lib.redis.closeRedisClients();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`explore could not run: ${error.stack ?? error.message}`);
    process.exit(2);
  },
);

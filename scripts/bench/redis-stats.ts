// Redis's own counters over a phase: INFO commandstats (calls and time per command, the commands
// Lua scripts run included), total_commands_processed, and the append-only file's fsync-related
// counters, per checkout.
import type Redis from 'ioredis';

export interface CommandStat {
  calls: number;
  usec: number;
}

export interface RedisSample {
  commands: Map<string, CommandStat>;
  totalCommands: number;
  /** INFO persistence's aof_* counters and INFO stats' io counters that only grow. */
  counters: Map<string, number>;
}

/** The `cmdstat_<name>:calls=…,usec=…,…` lines of INFO commandstats, by command name. */
export function parseCommandStats(info: string): Map<string, CommandStat> {
  const commands = new Map<string, CommandStat>();
  for (const line of info.split(/\r?\n/)) {
    const match = /^cmdstat_([^:]+):(.*)$/.exec(line.trim());
    if (!match) continue;
    const fields = new Map(match[2].split(',').map((pair) => pair.split('=') as [string, string]));
    commands.set(match[1], {
      calls: Number(fields.get('calls') ?? 0),
      usec: Number(fields.get('usec') ?? 0),
    });
  }
  return commands;
}

/** Every `name:number` line of an INFO section. */
export function parseInfoNumbers(info: string): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const line of info.split(/\r?\n/)) {
    const match = /^([a-z_]+):(-?\d+(?:\.\d+)?)$/.exec(line.trim());
    if (match) numbers.set(match[1], Number(match[2]));
  }
  return numbers;
}

const GROWING_COUNTERS = [
  'aof_delayed_fsync',
  'aof_rewrites',
  'total_net_input_bytes',
  'total_net_output_bytes',
  'total_reads_processed',
  'total_writes_processed',
  'total_connections_received',
];

export async function sampleRedis(redis: Redis): Promise<RedisSample> {
  const [commandstats, stats, persistence] = await Promise.all([
    redis.info('commandstats'),
    redis.info('stats'),
    redis.info('persistence'),
  ]);
  const numbers = new Map([...parseInfoNumbers(stats), ...parseInfoNumbers(persistence)]);
  return {
    commands: parseCommandStats(commandstats),
    totalCommands: numbers.get('total_commands_processed') ?? 0,
    counters: new Map(GROWING_COUNTERS.filter((name) => numbers.has(name)).map((name) => [name, numbers.get(name)!])),
  };
}

export interface RedisPerCheckout {
  /** Per command: calls and microseconds of Redis time per checkout, most time first. A script's
   * (EVALSHA's) time includes the commands it runs, which also have rows of their own. */
  commands: { command: string; callsPerCheckout: number; usecPerCheckout: number; usecPerCall: number }[];
  /** total_commands_processed: the commands scripts run count too. */
  commandsPerCheckout: number;
  counters: Record<string, number>;
}

const round = (value: number, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

export function redisBetween(before: RedisSample, after: RedisSample, checkouts: number): RedisPerCheckout {
  const commands: RedisPerCheckout['commands'] = [];
  for (const [command, stat] of after.commands) {
    const was = before.commands.get(command) ?? { calls: 0, usec: 0 };
    const calls = stat.calls - was.calls;
    if (calls <= 0) continue;
    commands.push({
      command,
      callsPerCheckout: round(calls / checkouts),
      usecPerCheckout: round((stat.usec - was.usec) / checkouts, 1),
      usecPerCall: round((stat.usec - was.usec) / calls, 1),
    });
  }
  return {
    commands: commands.sort((a, b) => b.usecPerCheckout - a.usecPerCheckout),
    commandsPerCheckout: round((after.totalCommands - before.totalCommands) / checkouts),
    counters: Object.fromEntries(
      [...after.counters].map(([name, value]) => [name, round((value - (before.counters.get(name) ?? 0)) / checkouts)]),
    ),
  };
}

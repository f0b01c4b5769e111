// The one place that makes a write durable before it is acted on (docs/durability.md). Every Lua
// script (defineScript) and the few plain-command writes that something acts on go through
// `durably`; the reads whose result is acted on (the checkout's verdict, the replay's step
// markers) go through `readDurably`. What each needs is decided once per client, at first use,
// from what the server says about itself (REDIS_DURABILITY says what must hold; the server decides
// how): never assumed.
import { Cluster } from 'ioredis';
import { config, DURABILITY_CHOICES, type Durability } from '../clients/config';
import { logger } from '../clients/logger';
import type { RedisClient } from '../clients/redis';

export type Command = readonly [string, ...(string | number)[]];
export type Reply = [Error | null, unknown];

/**
 * What a write needs after it: nothing (the server fsyncs before it answers, or the store
 * acknowledges only durable writes, or nothing is promised), WAITAOF, or WAIT for N replicas.
 */
type Plan = { after: 'nothing' } | { after: 'waitaof'; timeoutMs: number } | { after: 'wait'; replicas: number; timeoutMs: number };

/**
 * A write, or a read, that cannot be made as durable as REDIS_DURABILITY promises: nothing may act
 * on it. `mayHaveApplied` when the commands ran and only their wait fell short: the change may
 * stand, or be lost by a failover, so whoever asked must read it back rather than repeat it.
 */
export class NotDurableError extends Error {
  override name = 'NotDurableError';
  constructor(
    message: string,
    readonly mayHaveApplied = false,
  ) {
    super(message);
  }
}

// How long WAITAOF waits for the local fsync (it takes milliseconds; this is only a bound).
const WAITAOF_TIMEOUT_MS = 5_000;

const plans = new WeakMap<RedisClient, Map<string, Promise<Plan>>>();
let warnedNone = false;

/** Where a server is, for messages: host and port only, never credentials. */
const where = (node: { options: { host?: string; port?: number } }) => `${node.options.host ?? '?'}:${node.options.port ?? '?'}`;

async function mastersOf(client: RedisClient) {
  if (!(client instanceof Cluster)) return [client];
  await client.call('PING'); // connects, and learns the slots (and so the masters)
  return client.nodes('master');
}

/** appendonly and appendfsync as the server states them, or undefined when CONFIG is not allowed. */
async function fsyncSettings(node: RedisClient): Promise<{ appendonly: string; appendfsync: string } | undefined> {
  try {
    const pairs = (await node.call('CONFIG', 'GET', 'append*')) as string[];
    const settings = Object.fromEntries(pairs.flatMap((value, index) => (index % 2 === 0 ? [[value, pairs[index + 1]]] : [])));
    return { appendonly: settings.appendonly, appendfsync: settings.appendfsync };
  } catch {
    return undefined;
  }
}

const hasCommand = async (node: RedisClient, name: string) =>
  ((await node.call('COMMAND', 'INFO', name)) as unknown[]).some((entry) => entry !== null);

async function fsyncPlan(client: RedisClient): Promise<Plan> {
  const nodes = await mastersOf(client);
  const settings = await Promise.all(nodes.map(fsyncSettings));
  if (settings.every((s) => s?.appendonly === 'yes' && s.appendfsync === 'always')) return { after: 'nothing' };
  const waitaof = await Promise.all(nodes.map((node) => hasCommand(node, 'WAITAOF')));
  if (settings.every((s) => s?.appendonly === 'yes') && waitaof.every(Boolean)) return { after: 'waitaof', timeoutMs: WAITAOF_TIMEOUT_MS };
  const index = settings.findIndex((s, i) => !(s?.appendonly === 'yes' && (s.appendfsync === 'always' || waitaof[i])));
  const found = settings[index]
    ? `appendonly ${settings[index].appendonly}, appendfsync ${settings[index].appendfsync}`
    : 'its CONFIG cannot be read';
  throw new NotDurableError(
    `REDIS_DURABILITY=fsync, but the Redis at ${where(nodes[index])} neither fsyncs each write before answering (${found}; ` +
      `needs appendonly yes and appendfsync always) nor has WAITAOF (Redis 7.2+ or Valkey), so nothing was written: ` +
      `run it with --appendonly yes --appendfsync always, or choose another REDIS_DURABILITY (${DURABILITY_CHOICES}).`,
  );
}

async function replicasPlan(client: RedisClient, replicas: number, timeoutMs: number): Promise<Plan> {
  for (const node of await mastersOf(client)) {
    const info = String(await node.call('INFO', 'replication'));
    const connected = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
    if (connected < replicas) {
      throw new NotDurableError(
        `REDIS_DURABILITY=replicas:${replicas}, but the Redis at ${where(node)} has ${connected} connected replica(s), ` +
          `so no write can be acknowledged by ${replicas}: add replicas to the cache, or choose another REDIS_DURABILITY (${DURABILITY_CHOICES}).`,
      );
    }
  }
  return { after: 'wait', replicas, timeoutMs };
}

function decide(client: RedisClient, durability: Durability): Promise<Plan> {
  switch (durability.mode) {
    case 'fsync':
      return fsyncPlan(client);
    case 'replicas':
      return replicasPlan(client, durability.replicas, durability.timeoutMs);
    case 'memorydb':
      return Promise.resolve({ after: 'nothing' });
    case 'none':
      if (!warnedNone) {
        warnedNone = true;
        logger.warn(
          'REDIS_DURABILITY=none: a crash of the Redis host or a failover may lose writes that were already acted on ' +
            '(messages sent, clients answered 200), and the all-or-nothing promise of checkout no longer holds',
        );
      }
      return Promise.resolve({ after: 'nothing' });
  }
}

/** The plan of this client under the configured durability: asked once, again only after a failure. */
function planFor(client: RedisClient): Promise<Plan> {
  const durability = config.durability;
  const key = JSON.stringify(durability);
  let byMode = plans.get(client);
  if (!byMode) plans.set(client, (byMode = new Map()));
  let plan = byMode.get(key);
  if (!plan) {
    const asked = decide(client, durability);
    byMode.set(key, asked);
    asked.catch(() => byMode.get(key) === asked && byMode.delete(key));
    plan = asked;
  }
  return plan;
}

/**
 * Whether a message a script PUBLISHes on this client's server reaches its subscribers only once
 * the script's writes are as durable as promised, so that a subscriber may act on the message
 * itself. With appendfsync always, Redis writes every reply of an event-loop turn, published
 * messages included, only after that turn's fsync (test/integration/durability/fsync.test.ts
 * watches it with strace); with REDIS_DURABILITY=none nothing more is promised. Not so under WAIT
 * or WAITAOF (the message leaves before the wait), MemoryDB (not documented) or a cluster (nodes
 * relay messages over their bus): there the subscriber reads the state back durably.
 */
export async function publishesOnlyDurableWrites(client: RedisClient): Promise<boolean> {
  if (client instanceof Cluster) return false;
  const { mode } = config.durability;
  if (mode === 'none') return true;
  if (mode !== 'fsync') return false;
  try {
    return (await planFor(client)).after === 'nothing';
  } catch {
    return false;
  }
}

/** `{order}` of `{order}:saga:1`: the barrier key shares the commands' hash slot (Redis Cluster). */
const hashTag = (key: string) => /^\{[^}]+\}/.exec(key)?.[0] ?? key;

/** The first key a command names: a script's after its number of keys, any other command's first argument. */
function firstKey([name, ...args]: Command): string {
  const scripted = /^(EVAL|EVALSHA)$/i.test(name);
  return String(scripted ? args[2] : args[0]);
}

/**
 * Sends `commands`, a barrier write in their hash slot, and the plan's wait, in one pipeline (one
 * round trip); throws if the wait fell short. The barrier is what the wait is measured against:
 * a script that found its work already done writes nothing, and since Redis 7.2 a command that
 * propagates nothing leaves the connection's offset where it was, so without the barrier a WAIT
 * could cover none of what the script read. Replication and the append-only file are ordered, so
 * once the barrier is durable, so is everything the commands wrote or saw.
 */
async function sendWithWait(
  client: RedisClient,
  commands: readonly Command[],
  plan: Exclude<Plan, { after: 'nothing' }>,
): Promise<Reply[]> {
  const pipeline = client.pipeline();
  for (const [name, ...args] of commands) pipeline.call(name, ...args);
  pipeline.call('SET', `${hashTag(firstKey(commands[0]))}:durability:barrier`, '1');
  if (plan.after === 'wait') pipeline.call('WAIT', plan.replicas, plan.timeoutMs);
  else pipeline.call('WAITAOF', 1, 0, plan.timeoutMs);
  const replies = ((await pipeline.exec()) ?? []) as Reply[];
  const [waitError, acks] = replies.pop() ?? [new Error('no reply'), undefined];
  replies.pop(); // the barrier's
  // A command that failed wrote nothing (a script checks before it writes): its error is the
  // answer, e.g. NOSCRIPT, which the caller answers by sending the script itself.
  if (replies.every(([error]) => error)) return replies;
  const shortfall =
    waitError !== null
      ? `the store could not confirm the write was durable (${waitError.message})`
      : plan.after === 'wait' && Number(acks) < plan.replicas
        ? `only ${Number(acks)} of ${plan.replicas} replica(s) acknowledged the write within ${plan.timeoutMs} ms`
        : plan.after === 'waitaof' && Number((acks as number[])[0]) < 1
          ? `the append-only file was not fsynced within ${plan.timeoutMs} ms`
          : undefined;
  if (shortfall === undefined) return replies;
  // Ask the server again before the next write: a master that lost its replicas refuses at once
  // rather than write and then fail every wait.
  plans.get(client)?.clear();
  throw new NotDurableError(`${shortfall}; nothing may act on it`, true);
}

/**
 * Sends writes (in order, one round trip) and returns each one's [error, result] once they are
 * as durable as REDIS_DURABILITY promises; throws NotDurableError, before or after sending, when
 * they cannot be. With a server that fsyncs before it answers this is the plain command.
 */
export async function durably(client: RedisClient, commands: readonly Command[]): Promise<Reply[]> {
  const plan = await planFor(client);
  if (plan.after !== 'nothing') return sendWithWait(client, commands, plan);
  if (commands.length === 1) {
    const [name, ...args] = commands[0];
    try {
      return [[null, await client.call(name, ...args)]];
    } catch (error) {
      return [[error as Error, undefined]];
    }
  }
  const pipeline = client.pipeline();
  for (const [name, ...args] of commands) pipeline.call(name, ...args);
  return (await pipeline.exec()) ?? [];
}

/**
 * Reads whose result is acted on. Each returns once everything it saw is durable: a server that
 * fsyncs before answering sends no reply before that anyway; otherwise a tiny write follows the
 * reads and is waited for, and since replication and the append-only file are ordered, so is
 * everything the reads saw (e.g. a verdict a step wrote but has not yet seen acknowledged).
 */
export async function readDurably(client: RedisClient, commands: readonly Command[]): Promise<unknown[]> {
  const plan = await planFor(client);
  const replies = plan.after === 'nothing' ? await durably(client, commands) : await sendWithWait(client, commands, plan);
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

import { createHash } from 'node:crypto';
import type { RedisClient } from '../clients/redis';
import { durably } from './durability';

export type ScriptArg = string | number;

/**
 * What one field of a reply may be: a string, an integer (a Lua number), a string that may be
 * missing (Lua nil ends a table early), or one of a few known strings.
 */
type FieldType = 'string' | 'integer' | 'string?' | readonly string[];
/** Every status a script may answer (the reply's first element), with its named fields in order. */
type ReplySpec = Record<string, Record<string, FieldType>>;

type FieldValue<T> = T extends 'string'
  ? string
  : T extends 'integer'
    ? number
    : T extends 'string?'
      ? string | undefined
      : T extends readonly (infer L)[]
        ? L
        : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** A script's reply as the caller sees it: `{ status, ...fields }`, one variant per status. */
type ReplyOf<R extends ReplySpec> = {
  [S in keyof R & string]: Simplify<{ status: S } & { -readonly [F in keyof R[S]]: FieldValue<R[S][F]> }>;
}[keyof R & string];

type Named<Names extends string, Value> = { [N in Names]: Value };
/** The caller's input: every key and argument by name, and the per-item parts (if any) as `each`. */
type ScriptInput<K extends string, A extends string, EK extends string, EA extends string> = Named<K, string> &
  Named<A, ScriptArg> &
  ([EK | EA] extends [never] ? unknown : { each: readonly (Named<EK, string> & Named<EA, ScriptArg>)[] });

interface ScriptDeclaration<K extends string, A extends string, EK extends string, EA extends string, R extends ReplySpec> {
  /** Named in errors: "reserve-stock: unexpected reply ...". */
  name: string;
  /** The .lua file's text, shared code already included (scripts/lua/include-shared.cjs). */
  source: string;
  /** Bound in Lua as KEY.<name>, in this order. */
  keys: readonly K[];
  /** Bound in Lua as ARG.<name> (strings, as Redis passes them). */
  args?: readonly A[];
  /** Per-item keys and arguments, bound in Lua as EACH[i].<name>. */
  each?: { keys?: readonly EK[]; args?: readonly EA[] };
  reply: R;
}

type Script<K extends string, A extends string, EK extends string, EA extends string, R extends ReplySpec> = ((
  client: RedisClient,
  input: ScriptInput<K, A, EK, EA>,
) => Promise<ReplyOf<R>>) & {
  readonly scriptName: string;
  readonly text: string;
};

const LUA_KEYWORDS = new Set(
  'and break do else elseif end false for function if in local nil not or repeat return then true until while'.split(' '),
);

/**
 * The Lua that binds the positional KEYS and ARGV to names, prepended to the script: the fixed keys
 * and arguments first, then each item's keys and arguments, item after item. Neither side ever
 * spells a position, so the TypeScript caller and the Lua script cannot drift apart.
 */
function bindingsLua(
  name: string,
  keys: readonly string[],
  args: readonly string[],
  eachKeys: readonly string[],
  eachArgs: readonly string[],
): string {
  const all = [...keys, ...args, ...eachKeys, ...eachArgs];
  for (const field of all) {
    if (!/^[A-Za-z_]\w*$/.test(field) || LUA_KEYWORDS.has(field)) throw new Error(`${name}: "${field}" is not a Lua name`);
  }
  if (new Set(all).size !== all.length) throw new Error(`${name}: a key or argument name is declared twice`);
  const lines = [`-- ${name}: keys and arguments by name, from its declaration in lib/store.`];
  if (keys.length > 0) lines.push(`local KEY = {${keys.map((key, index) => `${key} = KEYS[${index + 1}]`).join(', ')}}`);
  if (args.length > 0) lines.push(`local ARG = {${args.map((arg, index) => `${arg} = ARGV[${index + 1}]`).join(', ')}}`);
  if (eachKeys.length + eachArgs.length > 0) {
    const count = eachKeys.length > 0 ? `(#KEYS - ${keys.length}) / ${eachKeys.length}` : `(#ARGV - ${args.length}) / ${eachArgs.length}`;
    const fields = [
      ...eachKeys.map((key, index) => `${key} = KEYS[${keys.length} + (i - 1) * ${eachKeys.length} + ${index + 1}]`),
      ...eachArgs.map((arg, index) => `${arg} = ARGV[${args.length} + (i - 1) * ${eachArgs.length} + ${index + 1}]`),
    ];
    lines.push('local EACH = {}', `for i = 1, ${count} do`, `  EACH[i] = {${fields.join(', ')}}`, 'end');
  }
  return `${lines.join('\n')}\n`;
}

function fieldMatches(type: FieldType, value: unknown): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'integer') return typeof value === 'number';
  if (type === 'string?') return value === undefined || value === null || typeof value === 'string';
  return typeof value === 'string' && type.includes(value);
}

/** Checks a raw reply against the declared statuses and names its fields; throws naming the script otherwise. */
function replyReader<R extends ReplySpec>(name: string, spec: R): (raw: unknown) => ReplyOf<R> {
  const variants = new Map(Object.entries(spec).map(([status, fields]) => [status, Object.entries(fields)]));
  return (raw) => {
    const values: unknown[] = Array.isArray(raw) ? raw : [];
    const fields = typeof values[0] === 'string' ? variants.get(values[0]) : undefined;
    const valid =
      fields !== undefined &&
      values.length - 1 <= fields.length &&
      fields.every(([, type], index) => (index + 1 < values.length ? fieldMatches(type, values[index + 1]) : type === 'string?'));
    if (!valid) throw new Error(`${name}: unexpected reply ${JSON.stringify(raw)}; declared: ${JSON.stringify(spec)}`);
    const reply: Record<string, unknown> = { status: values[0] };
    fields.forEach(([field], index) => {
      reply[field] = values[index + 1] ?? undefined;
    });
    return reply as ReplyOf<R>;
  };
}

/**
 * Declares a Lua script once: its keys and arguments by name (bound to names in the Lua too), the
 * per-item parts as `each`, and its reply, checked on every call. Run with EVALSHA, and with EVAL
 * once when Redis does not know it yet (first use on a server, or after a restart). Plain commands
 * rather than ioredis's defineCommand: a script defined on a client while auto-pipelining has a
 * pipeline open is missing from that pipeline, and ioredis then fails with an uncaught error.
 * Every key a script touches is passed as a key, so Redis Cluster can check they share one hash
 * slot (callers pass hash-tagged keys; test/e2e/checkout-redis-cluster.test.ts would see a CROSSSLOT).
 * Its writes are durable as REDIS_DURABILITY promises before the caller sees the reply (durability.ts).
 */
export function defineScript<
  const K extends string,
  const A extends string = never,
  const EK extends string = never,
  const EA extends string = never,
  const R extends ReplySpec = ReplySpec,
>(declaration: ScriptDeclaration<K, A, EK, EA, R>): Script<K, A, EK, EA, R> {
  const { name, keys } = declaration;
  const args = declaration.args ?? [];
  const eachKeys = declaration.each?.keys ?? [];
  const eachArgs = declaration.each?.args ?? [];
  const text = bindingsLua(name, keys, args, eachKeys, eachArgs) + declaration.source;
  const sha = createHash('sha1').update(text).digest('hex');
  const readReply = replyReader(name, declaration.reply);
  const perItem = eachKeys.length + eachArgs.length > 0;

  const run = async (client: RedisClient, input: ScriptInput<K, A, EK, EA>): Promise<ReplyOf<R>> => {
    const named = input as Record<string, ScriptArg> & { each?: readonly Record<string, ScriptArg>[] };
    const keyValues = keys.map((key) => named[key] as string);
    const argValues = args.map((arg) => named[arg]);
    if (perItem) {
      for (const item of named.each!) {
        for (const key of eachKeys) keyValues.push(item[key] as string);
        for (const arg of eachArgs) argValues.push(item[arg]);
      }
    }
    const call = async (command: 'EVALSHA' | 'EVAL', script: string) => {
      const [[error, raw]] = await durably(client, [[command, script, keyValues.length, ...keyValues, ...argValues]]);
      if (error) throw error;
      return raw;
    };
    let raw: unknown;
    try {
      raw = await call('EVALSHA', sha);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      raw = await call('EVAL', text);
    }
    return readReply(raw);
  };
  return Object.assign(run, { scriptName: name, text });
}

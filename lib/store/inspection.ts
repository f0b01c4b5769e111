import { Cluster } from 'ioredis';
import type { ItemState, OrderState, ReplacedPaid, SystemState, UserState } from '../domain/invariants';
import { auditChains, type AuditResult } from '../domain/log-audit';
import { wholeLog } from './log-reader';
import { decodeLines } from '../domain/order';
import { redisFor, type RedisClient } from '../clients/redis';
import { REPLACED_PAID_KEY } from './order-store';
import { OPEN_SAGAS_KEY } from './saga-order';

/** Every key matching `pattern`, with the hash fields asked for, read in pipelined chunks. */
async function scanHashes(client: RedisClient, pattern: string, fields: string[]): Promise<[string, (string | null)[]][]> {
  // SCAN walks one server: in a cluster, walk every master.
  const servers: RedisClient[] = client instanceof Cluster ? client.nodes('master') : [client];
  const keys: string[] = [];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, batch] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  const rows: [string, (string | null)[]][] = [];
  for (let start = 0; start < keys.length; start += 1000) {
    const chunk = keys.slice(start, start + 1000);
    const values = await Promise.all(chunk.map((key) => client.hmget(key, ...fields)));
    chunk.forEach((key, index) => rows.push([key, values[index]]));
  }
  return rows;
}

const idOf = (key: string) => key.slice(key.lastIndexOf(':') + 1);

/** The whole state the invariants speak of, read from each service's own Redis. */
export async function readSystemState(): Promise<SystemState> {
  const [itemRows, userRows, orderRows, openSagaIds, replacedRows] = await Promise.all([
    scanHashes(redisFor('stock'), '{stock}:item:*', ['stock', 'direct', 'gen']),
    scanHashes(redisFor('payment'), '{payment}:user:*', ['credit', 'direct', 'gen']),
    scanHashes(redisFor('order'), '{order}:order:*', ['paid', 'user_id', 'total_cost', 'items', 'checkout', 'stock_gen', 'payment_gen']),
    redisFor('order').zrange(OPEN_SAGAS_KEY, 0, -1),
    redisFor('order').hgetall(REPLACED_PAID_KEY),
  ]);
  const items: ItemState[] = itemRows.map(([key, [stock, direct, gen]]) => ({
    id: idOf(key),
    stock: Number(stock),
    direct: Number(direct),
    generation: Number(gen ?? 0),
  }));
  const users: UserState[] = userRows.map(([key, [credit, direct, gen]]) => ({
    id: idOf(key),
    credit: Number(credit),
    direct: Number(direct),
    generation: Number(gen ?? 0),
  }));
  const orders: OrderState[] = orderRows.map(([key, [paid, userId, totalCost, encoded, checkout, stockGen, paymentGen]]) => ({
    id: idOf(key),
    paid: paid === '1',
    userId: userId ?? '',
    totalCost: Number(totalCost),
    lines: decodeLines(encoded ?? ''),
    checkout: checkout ?? '',
    stockGeneration: Number(stockGen ?? 0),
    paymentGeneration: Number(paymentGen ?? 0),
  }));
  const replacedPaid: ReplacedPaid[] = Object.entries(replacedRows).map(([field, amount]) => {
    const [kind, id, generation] = field.split(' ');
    return { kind: kind as ReplacedPaid['kind'], id, generation: Number(generation), amount: Number(amount) };
  });
  return { items, users, orders, openSagaIds, replacedPaid };
}

/** The log audit of `npm run check`: every balance against its chain of logged changes. */
export async function auditLogs(state: SystemState): Promise<AuditResult> {
  const current = new Map<string, number>([
    ...state.items.map((item): [string, number] => [`item ${item.id}`, item.stock]),
    ...state.users.map((user): [string, number] => [`user ${user.id}`, user.credit]),
  ]);
  const [stock, payment] = await Promise.all([wholeLog('stock'), wholeLog('payment')]);
  const results = [auditChains(stock, current), auditChains(payment, current)];
  return {
    audited: results[0].audited + results[1].audited,
    violations: results.flatMap((result) => result.violations),
  };
}

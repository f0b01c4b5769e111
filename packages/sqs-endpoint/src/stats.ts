import type { Action, Params, RequestContext } from './http';

/**
 * Requests answered per action, and the messages they carried (sent, received, deleted): how well
 * clients batch, which sets what a message costs here (each request is a socket write, an HTTP
 * parse and a JSON round trip; a batch shares them). And the TCP connections accepted: a client
 * whose keep-alive fails opens one per request. Served at `GET /_endpoint/stats`.
 */
export class ActionStats {
  private readonly requests = new Map<string, number>();
  private readonly messages = new Map<string, number>();
  private connections = 0;

  connection(): void {
    this.connections++;
  }

  request(action: string): void {
    this.requests.set(action, (this.requests.get(action) ?? 0) + 1);
  }

  carried(action: string, count: number): void {
    this.messages.set(action, (this.messages.get(action) ?? 0) + count);
  }

  /** Connections, and per action: requests, messages, and messages per request where an action carries any. */
  view(): {
    connections: number;
    actions: Record<string, { requests: number; messages?: number; messagesPerRequest?: number }>;
  } {
    const actions: ReturnType<ActionStats['view']>['actions'] = {};
    for (const [action, requests] of this.requests) {
      const messages = this.messages.get(action);
      actions[action] =
        messages === undefined ? { requests } : { requests, messages, messagesPerRequest: Math.round((messages / requests) * 100) / 100 };
    }
    return { connections: this.connections, actions };
  }
}

export const STATS_PATH = '/_endpoint/stats';

/** Each action, counting its requests. */
export function counted(stats: ActionStats, actions: Record<string, Action>): Record<string, Action> {
  return Object.fromEntries(
    Object.entries(actions).map(([name, action]) => [
      name,
      (params: Params, context: RequestContext) => {
        stats.request(name);
        return action(params, context);
      },
    ]),
  );
}

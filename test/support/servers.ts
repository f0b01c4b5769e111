import type { ManagedProcess } from '../../scripts/stack/processes';

// Global setup and teardown share globalThis (not module instances) — jest's documented channel.
type Servers = { redis?: ManagedProcess; sqs?: ManagedProcess };
const holder = globalThis as typeof globalThis & { __sagashopTestServers?: Servers };
export const testServers: Servers = (holder.__sagashopTestServers ??= {});

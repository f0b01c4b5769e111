// Tests, the benchmark and the chaos runs start whole stacks side by side, from several processes at
// once (jest's workers). The kernel's "free port" is free only until someone binds it, and a stack
// binds its ports seconds later (serverless offline starts slowly); meanwhile the kernel may offer
// the same port again, to this process or another. So a port handed out here is never handed out
// again by this process, and no other process takes it while its reservation file is fresh.
import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Long enough for a loaded machine to bind what it was given; a stale reservation is taken over. */
export const RESERVATION_MS = 10 * 60_000;
const ATTEMPTS = 500;
const DEFAULT_DIR = join(tmpdir(), 'sagashop-port-reservations');

const handedOut = new Set<number>();
const pruned = new Set<string>();

/** A TCP port on 127.0.0.1 that is free, and not handed out to anyone else who asks here. */
export function freePort(): Promise<number> {
  return reservePort(kernelFreePort, DEFAULT_DIR);
}

/** Takes the first port `offer` gives that no one has reserved (in this process, or in `dir`). */
export async function reservePort(offer: () => Promise<number>, dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  pruneOnce(dir);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = await offer();
    if (handedOut.has(port) || !claim(join(dir, String(port)))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port after ${ATTEMPTS} tries: every port offered was reserved (see ${dir})`);
}

function claim(file: string): boolean {
  // Two processes would both take over a stale one only if the kernel offered both this port in the same instant.
  return createExclusive(file) || (removeIfStale(file) && createExclusive(file));
}

function createExclusive(file: string): boolean {
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** True when `file` is gone now: it was stale, or someone else removed it meanwhile. */
function removeIfStale(file: string): boolean {
  try {
    if (Date.now() - statSync(file).mtimeMs <= RESERVATION_MS) return false;
    unlinkSync(file);
  } catch {
    /* removed by someone else: as good */
  }
  return true;
}

/** Stale reservations are removed once per process, so the folder stays small. */
function pruneOnce(dir: string): void {
  if (pruned.has(dir)) return;
  pruned.add(dir);
  for (const name of readdirSync(dir)) removeIfStale(join(dir, name));
}

async function kernelFreePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

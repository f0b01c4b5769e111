// Stopping the stack the way terminals, `docker stop`, systemd and CI runners do — one signal to
// the whole process group of `npm start` — while hundreds of checkouts are in flight; a start
// after a launcher that was killed outright; a port held by a stranger. Real processes throughout.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  isolatedStackPorts,
  removeStackFolders,
  request,
  startStack,
  type RunningStack,
  type StackPorts,
} from '../../scripts/stack/child-stack';
import { isListening } from '../../scripts/stack/processes';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls until `done` holds or `ms` have passed; says which. */
async function within(ms: number, done: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** The parts' pids, from the start-up lines "... (pid N)", by name. */
function partPids(output: string): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const [, name, pid] of output.matchAll(/^ {2}(redis|sqs|api) .*\(pid (\d+)\)$/gm)) pids[name] = Number(pid);
  return pids;
}

/** The launcher's own pid from its run record, when there is one (the first line of the file). */
function launcherPid(ports: StackPorts): number | undefined {
  try {
    return Number(readFileSync(join(ports.dataDir, 'run', 'launcher.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** Every process of a run: what it spawned (its group), the launcher, the parts. */
function everyPid(stack: RunningStack, ports: StackPorts): number[] {
  return [-stack.child.pid!, launcherPid(ports), ...Object.values(partPids(stack.output()))].filter(
    (pid): pid is number => pid !== undefined,
  );
}

/** A test that failed must not leave servers behind for the next one. */
function killAll(pids: number[]): void {
  for (const pid of pids) {
    for (const target of pid > 0 ? [-pid, pid] : [pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

/**
 * `clients` concurrent HTTP clients, each creating an order, adding an item and checking it out,
 * at most `rounds` times, to 127.0.0.1 only. Every request gives up after 25 s.
 */
function checkoutLoad(api: string, clients: number, rounds: number) {
  let stopped = false;
  let completed = 0;
  let inFlight = 0;
  const post = async (path: string) => {
    inFlight++;
    try {
      const response = await fetch(`${api}${path}`, { method: 'POST', signal: AbortSignal.timeout(25_000) });
      return (await response.json()) as Record<string, unknown>;
    } finally {
      inFlight--;
    }
  };
  const client = async (user: number) => {
    for (let round = 0; round < rounds && !stopped; round++) {
      try {
        const { order_id } = await post(`/orders/create/${user}`);
        await post(`/orders/addItem/${order_id}/${(user + round) % 100}/1`);
        await post(`/orders/checkout/${order_id}`);
        completed++;
      } catch {
        await sleep(100); // refused while the stack stops: no tight loop
      }
    }
  };
  const all = Promise.all(Array.from({ length: clients }, (_, user) => client(user)));
  return {
    completed: () => completed,
    inFlight: () => inFlight,
    stop: () => {
      stopped = true;
      return all;
    },
  };
}

/**
 * A request the API has begun and cannot finish: its headers are in, its body never comes. Resolves
 * once the server has taken it up (it answered "100 Continue"); from then on serverless offline's
 * stop waits for it, until its own timeout (5 s) destroys the connection, however fast the rest is.
 */
function holdRequestOpen(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {}); // the stop destroys it: that is the point
    socket.once('connect', () =>
      socket.write(
        'POST /orders/create/0 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n',
      ),
    );
    socket.once('data', (chunk) =>
      /^HTTP\/1\.1 100 /.test(String(chunk)) ? resolve(socket) : reject(new Error(`expected 100 Continue, got: ${chunk}`)),
    );
  });
}

/** Resolves once the run's output, from `from` on, matches `pattern`. */
function outputMatches(stack: RunningStack, from: number, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!pattern.test(stack.output().slice(from))) return false;
      stack.child.stdout!.off('data', check);
      resolve();
      return true;
    };
    if (!check()) stack.child.stdout!.on('data', check);
  });
}

/**
 * A second Ctrl-C. It goes where a terminal sends it, to the process group of `npm start`. When
 * nothing of that group is left (tsx SIGKILLs a wrapper that answers a signal late, a loaded
 * machine's case), a terminal's Ctrl-C would reach the shell, not the stack; the launcher, still
 * stopping, then gets it the way start.ts would have passed it on. Returns where it went.
 */
function secondCtrlC(stack: RunningStack, launcher: number): 'group' | 'launcher' {
  try {
    process.kill(-stack.child.pid!, 'SIGINT');
    return 'group';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    process.kill(launcher, 'SIGINT');
    return 'launcher';
  }
}

/**
 * One signal to the process group of `npm start` under load; with `twice`, a second SIGINT while
 * the stop is provably under way: a request the API must wait for is held open, and the second
 * signal goes as soon as the launcher says it is stopping the API. Sent after a fixed gap instead,
 * it met a stack that had already stopped whenever the stop was quicker than the gap (`kill ESRCH`).
 */
async function stopUnderLoad(first: NodeJS.Signals, twice: boolean): Promise<void> {
  const ports = await isolatedStackPorts();
  let stack: RunningStack | undefined;
  let pids: number[] = [];
  let passed = false;
  try {
    stack = await startStack(ports, {}, { viaNpm: true, detached: true });
    pids = everyPid(stack, ports);
    const parts = partPids(stack.output());
    expect(Object.keys(parts).sort()).toEqual(['api', 'redis', 'sqs']);
    await request(stack.api, 'POST', '/stock/batch_init/100/1000000/1');
    await request(stack.api, 'POST', '/payment/batch_init/512/1000000');

    const load = checkoutLoad(stack.api, 512, 40);
    await within(20_000, () => load.completed() >= 100);
    expect(load.inFlight()).toBeGreaterThan(100);
    const held = twice ? await holdRequestOpen(ports.httpPort) : undefined;
    const signalledAt = stack.output().length;
    process.kill(-stack.child.pid!, first);
    if (twice) {
      await outputMatches(stack, signalledAt, /stopping api\.\.\./);
      const launcher = launcherPid(ports)!;
      // Still stopping: the API waits for the held request.
      expect({ launcherAlive: alive(launcher), apiAlive: alive(parts.api) }).toEqual({
        launcherAlive: true,
        apiAlive: true,
      });
      secondCtrlC(stack, launcher);
    }
    const stopped = await within(30_000, () => pids.every((pid) => !alive(pid)));
    await load.stop();
    held?.destroy();

    // The output's tail rides along so that a failure shows how far the stop got.
    const tail = stack.output().slice(-400);
    expect({ stopped, stillAlive: pids.filter(alive), tail }).toEqual({
      stopped: true,
      stillAlive: [],
      tail,
    });
    for (const port of [ports.httpPort, ports.lambdaPort, ports.sqsPort, ports.redisPort])
      expect({ port, listening: await isListening(port) }).toEqual({ port, listening: false });
    const out = stack.output();
    expect(out).toMatch(/stopping api\.\.\.[^\n]* done\n {2}stopping sqs\.\.\.[^\n]* done\n {2}stopping redis\.\.\.[^\n]* done\n/);
    expect((out.match(/already stopping/g) ?? []).length).toBeLessThanOrEqual(1);
    // SIGTERM, not SIGKILL: Redis synced its append-only file and said goodbye.
    expect(readFileSync(join(ports.dataDir, 'logs', 'redis.log'), 'utf8')).toMatch(/ready to exit, bye bye/);
    passed = true;
  } finally {
    // Only after a failure: the pids of a passed run are gone and may belong to someone else by now.
    if (stack && !passed) killAll(everyPid(stack, ports).concat(pids));
    removeStackFolders(ports);
  }
}

describe('stopping `npm start` under load with a signal to its process group', () => {
  it(
    'SIGTERM (docker stop, systemd, CI): every part stops, in order, within 30 s; no process left; ports free',
    () => stopUnderLoad('SIGTERM', false),
    180_000,
  );

  it('Ctrl-C twice in quick succession: the second does not cut the stop short', () => stopUnderLoad('SIGINT', true), 180_000);
});

describe('starting again', () => {
  let ports: StackPorts;
  const spawned: number[] = [];
  beforeEach(async () => {
    ports = await isolatedStackPorts();
  });
  afterEach(() => {
    killAll(spawned.splice(0));
    removeStackFolders(ports);
  });

  it('after the launcher was killed with SIGKILL: one line about the leftovers, cleaned up, the data still there', async () => {
    const first = await startStack(ports, {}, { detached: true });
    spawned.push(...everyPid(first, ports));
    const parts = partPids(first.output());
    const { user_id } = (await request(first.api, 'POST', '/payment/create_user')).body;
    expect((await request(first.api, 'POST', `/payment/add_funds/${user_id}/4242`)).status).toBe(200);

    // Neither the launcher nor anything in the group of `npm start` gets to stop anything.
    killAll([-first.child.pid!, launcherPid(ports) ?? -first.child.pid!]);
    await first.exited;
    // The parts that can watch their launcher stop on their own; redis-server cannot.
    expect(await within(15_000, () => !alive(parts.api) && !alive(parts.sqs))).toBe(true);
    expect(alive(parts.redis)).toBe(true);

    const second = await startStack(ports);
    spawned.push(...everyPid(second, ports));
    const leftoverLines = second
      .output()
      .split('\n')
      .filter((text) => /leftover/i.test(text));
    expect(leftoverLines).toEqual([expect.stringMatching(new RegExp(`redis \\(pid ${parts.redis}, port ${ports.redisPort}\\).* done$`))]);
    expect(alive(parts.redis)).toBe(false);
    expect((await request(second.api, 'GET', `/payment/find_user/${user_id}`)).body).toEqual({
      user_id,
      credit: 4242,
    });
    expect(readFileSync(join(ports.dataDir, 'logs', 'redis.log'), 'utf8')).toMatch(/ready to exit, bye bye/);

    expect(await second.stop()).toBe(0);
    for (const port of [ports.httpPort, ports.sqsPort, ports.redisPort]) expect(await isListening(port)).toBe(false);
    spawned.length = 0;
  }, 240_000);

  it('a port held by a program that is not ours: refused, naming it, and left alone', async () => {
    const stranger: ChildProcess = spawn(
      process.execPath,
      ['-e', `require('node:net').createServer().listen(${ports.redisPort}, '127.0.0.1')`],
      { stdio: 'ignore' },
    );
    spawned.push(stranger.pid!);
    expect(await waitListening(ports.redisPort)).toBe(true);
    // A record that claims the stranger is our Redis (a pid reused since): it must not be believed.
    mkdirSync(join(ports.dataDir, 'run'), { recursive: true });
    const forged = {
      name: 'redis',
      pid: stranger.pid,
      port: ports.redisPort,
      match: ['redis-server', String(ports.redisPort)],
    };
    writeFileSync(join(ports.dataDir, 'run', 'redis.pid'), `${stranger.pid}\n${JSON.stringify(forged)}\n`);

    const refusal = startStack(ports);
    await expect(refusal).rejects.toThrow(
      new RegExp(
        `exited \\(1\\)[\\s\\S]*port ${ports.redisPort} is already in use by pid ${stranger.pid} .*not part of this stack.*REDIS_PORT`,
      ),
    );
    expect(alive(stranger.pid!)).toBe(true);
    for (const port of [ports.httpPort, ports.sqsPort]) expect(await isListening(port)).toBe(false);
    stranger.kill('SIGKILL');
    spawned.length = 0;
  }, 120_000);

  it('two parts given one port: refused before anything starts, naming both settings', async () => {
    // What a CI run met when its test picked the same free port twice: the launcher started Redis and
    // the SQS endpoint, then blamed the API's port on "a program that is not ours", its own endpoint.
    const refusal = startStack({ ...ports, httpPort: ports.sqsPort });
    await expect(refusal).rejects.toThrow(
      new RegExp(
        `exited \\(1\\)[\\s\\S]*sagashop could not start: HTTP_PORT and SQS_PORT are both ${ports.sqsPort}: each part of the stack needs a port of its own`,
      ),
    );
    const output = await refusal.catch((error: Error) => error.message);
    expect(output).not.toMatch(/^\s+(redis|sqs)\s+\S+/m);
    expect(output).not.toMatch(/^\s+at /m);
    for (const port of [ports.redisPort, ports.sqsPort]) expect(await isListening(port)).toBe(false);
  }, 60_000);
});

async function waitListening(port: number): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await isListening(port)) return true;
    await sleep(100);
  }
  return false;
}

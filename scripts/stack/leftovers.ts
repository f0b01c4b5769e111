// Run records: one file per process the launcher started, under <data dir>/run/, so that a start
// after a launcher that died without stopping its parts (SIGKILL, OOM, power loss of the terminal)
// can tell its own leftovers from a stranger on the same port.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunRecord {
  name: string;
  pid: number;
  port?: number;
  /** Every one of these must appear in the process's command line for it to count as ours. */
  match: string[];
  state?: 'running' | 'stopping';
}

/** Stop order of leftovers: the reverse of the start order, whatever else the folder holds. */
const STOP_ORDER = ['api', 'sqs', 'redis'];

const fileOf = (runDir: string, name: string) => join(runDir, `${name}.pid`);

/** First line the pid (for `kill $(cat redis.pid)`), second line what identifies the process. */
export function writeRecord(runDir: string, record: RunRecord): void {
  mkdirSync(runDir, { recursive: true });
  writeFileSync(fileOf(runDir, record.name), `${record.pid}\n${JSON.stringify(record)}\n`);
}

export function removeRecord(runDir: string, name: string): void {
  rmSync(fileOf(runDir, name), { force: true });
}

export function readRecord(runDir: string, name: string): RunRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(fileOf(runDir, name), 'utf8').split('\n')[1]) as RunRecord;
    return Number.isInteger(record.pid) && Array.isArray(record.match) ? record : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a live process, or '' (gone, a zombie, or not ours to read). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  }
}

/** True when the record's pid still runs the program the record names: pids get reused. */
export function isOurs(record: RunRecord): boolean {
  if (!isAlive(record.pid)) return false;
  const command = commandLine(record.pid);
  return command !== '' && record.match.every((part) => command.includes(part));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  // Each part leads its own group; a leftover's group holds what it started.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      /* gone, or not a group leader */
    }
  }
}

/** SIGTERM (for redis-server a clean shutdown that syncs the append-only file), SIGKILL after graceMs. */
export async function stopPid(pid: number, graceMs: number): Promise<void> {
  kill(pid, 'SIGTERM');
  if (!(await waitForExit(pid, graceMs))) {
    kill(pid, 'SIGKILL');
    await waitForExit(pid, 2_000);
  }
}

/**
 * Stops, in the stack's stop order, every part a previous run recorded and left running, and
 * forgets records whose pid is gone or now runs something else (pids get reused). Calls `found`
 * with a list of what it is about to stop, if anything; returns how many it stopped.
 */
export async function stopLeftovers(runDir: string, graceMs: (name: string) => number, found: (list: string) => void): Promise<number> {
  let names: string[] = [];
  try {
    names = readdirSync(runDir)
      .filter((file) => file.endsWith('.pid'))
      .map((file) => file.slice(0, -4));
  } catch {
    return 0;
  }
  const rank = (name: string) => (STOP_ORDER.includes(name) ? STOP_ORDER.indexOf(name) : -1);
  const ours: RunRecord[] = [];
  for (const name of names.filter((name) => name !== 'launcher').sort((a, b) => rank(a) - rank(b))) {
    const record = readRecord(runDir, name);
    if (record && isOurs(record)) ours.push(record);
    else removeRecord(runDir, name);
  }
  if (ours.length === 0) return 0;
  found(ours.map((record) => `${record.name} (pid ${record.pid}${record.port ? `, port ${record.port}` : ''})`).join(', '));
  for (const record of ours) {
    await stopPid(record.pid, graceMs(record.name));
    removeRecord(runDir, record.name);
  }
  return ours.length;
}

/** Linux: who listens on 127.0.0.1/0.0.0.0:port, from /proc; undefined elsewhere or if unknown. */
export function portHolder(port: number): { pid: number; command: string } | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl local_address rem_address st ... inode (10th); 0A is LISTEN.
      if (fields.length > 9 && fields[1].endsWith(`:${hexPort}`) && fields[3] === '0A') inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1)))
          return { pid: Number(pid), command: commandLine(Number(pid)) };
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return undefined;
}

/** The refusal for a port someone else holds: who holds it, when we can tell, and what to do. */
export function portInUseMessage(port: number, advice: string): string {
  const holder = portHolder(port);
  const who = holder ? ` by pid ${holder.pid} (${holder.command.slice(0, 80)}), which is not part of this stack` : '';
  return `port ${port} is already in use${who}: ${advice}`;
}

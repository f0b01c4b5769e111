// CPU time (utime + stime) of every process and thread of the stack the bench started, read from
// /proc: a snapshot at each phase's start and end, and their difference per checkout.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's clock ticks per second for /proc times (`getconf CLK_TCK`; 100 on every usual kernel). */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface StatFields {
  comm: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** When it started, in clock ticks since boot. */
  startTicks: number;
}

/**
 * The fields we need of one /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat line. The command
 * name sits in parentheses and may itself hold spaces and parentheses, so fields are counted from
 * the last ')'.
 */
export function parseStat(line: string): StatFields {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  // After ')': state(3) ppid(4) ... utime(14) stime(15) ... starttime(22), numbered as proc(5) does.
  const rest = line
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (number: number) => Number(rest[number - 3]);
  return {
    comm: line.slice(open + 1, close),
    ppid: field(4),
    cpuTicks: field(14) + field(15),
    startTicks: field(22),
  };
}

const readStat = (path: string): StatFields | null => {
  try {
    return parseStat(readFileSync(path, 'utf8'));
  } catch {
    return null; // it ended meanwhile
  }
};

/** `root` and every process below it, by walking the parent links of all of /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(`/proc/${entry}/stat`);
    if (stat) (children.get(stat.ppid) ?? children.set(stat.ppid, []).get(stat.ppid)!).push(Number(entry));
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** What a process of the stack is, from its command line. */
export function roleOf(commandLine: string, isBench: boolean): string {
  if (isBench) return 'bench (load generator)';
  if (/redis-server/.test(commandLine)) return 'redis-server';
  if (/sqs-endpoint/.test(commandLine)) return 'SQS endpoint';
  if (/serverless(\.js)?\s+offline/.test(commandLine)) return 'sls offline';
  if (/operator\/server\.ts/.test(commandLine)) return "operator's page";
  if (/launcher\.ts/.test(commandLine)) return 'launcher';
  if (/start\.ts/.test(commandLine)) return 'start script';
  if (/esbuild/.test(commandLine)) return 'esbuild service';
  return commandLine.split(' ')[0]?.split('/').pop() || 'unknown';
}

export interface ThreadSample {
  tid: number;
  comm: string;
  cpuTicks: number;
  /** Seconds after its process started. */
  startedAfter: number;
}

export interface ProcessSample {
  pid: number;
  role: string;
  cpuTicks: number;
  threads: ThreadSample[];
}

export function sampleProcesses(root: number, benchPid = process.pid): ProcessSample[] {
  const samples: ProcessSample[] = [];
  for (const pid of descendants(root)) {
    const stat = readStat(`/proc/${pid}/stat`);
    if (!stat) continue;
    let commandLine = '';
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    const threads: ThreadSample[] = [];
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      /* ended */
    }
    for (const tid of tids) {
      const thread = readStat(`/proc/${pid}/task/${tid}/stat`);
      if (thread) {
        threads.push({
          tid: Number(tid),
          comm: thread.comm,
          cpuTicks: thread.cpuTicks,
          startedAfter: (thread.startTicks - stat.startTicks) / CLOCK_TICKS_PER_SECOND,
        });
      }
    }
    samples.push({ pid, role: roleOf(commandLine, pid === benchPid), cpuTicks: stat.cpuTicks, threads });
  }
  return samples;
}

export interface CpuRow {
  /** "sls offline", or "sls offline / main thread". */
  name: string;
  pid: number;
  msPerCheckout: number;
  /** Its share of the CPU time the whole stack (with the bench) used in the phase, 0..1. */
  share: number;
}

export interface CpuBreakdown {
  checkouts: number;
  seconds: number;
  totalMsPerCheckout: number;
  /** Cores busy on average over the phase (2 = both of a 2-core machine). */
  coresBusy: number;
  processes: CpuRow[];
  threads: CpuRow[];
  /** Every thread on its own (tid, seconds after its process started), for a closer look. */
  eachThread: (CpuRow & { tid: number; startedAfter: number })[];
}

/**
 * Names a process's threads by what they do. Node names every thread "node", so: the main thread
 * is the one whose tid is the pid; threads started well after their process are worker_threads
 * Workers (serverless offline's SQS event source and the saga steps); the threads started with the
 * process (V8's GC and compiler helpers, libuv's pool) are summed.
 */
export function threadLabel(pid: number, thread: ThreadSample): string {
  if (thread.tid === pid) return 'main thread';
  if (thread.startedAfter >= 1) return 'worker thread(s)';
  return 'helper threads (GC, JIT, libuv pool)';
}

/** CPU used between two samples, per checkout, by process and by thread (only rows of at least 0.05 ms are kept). */
export function cpuBetween(before: ProcessSample[], after: ProcessSample[], checkouts: number, seconds: number): CpuBreakdown {
  const tickMs = 1000 / CLOCK_TICKS_PER_SECOND;
  const earlier = new Map(before.map((sample) => [sample.pid, sample]));
  const processes: CpuRow[] = [];
  const threadRows = new Map<string, CpuRow>();
  const eachThread: CpuBreakdown['eachThread'] = [];
  let totalTicks = 0;
  for (const sample of after) {
    const was = earlier.get(sample.pid);
    const ticks = sample.cpuTicks - (was?.cpuTicks ?? 0);
    totalTicks += ticks;
    processes.push({
      name: sample.role,
      pid: sample.pid,
      msPerCheckout: (ticks * tickMs) / checkouts,
      share: 0,
    });
    const threadsBefore = new Map((was?.threads ?? []).map((thread) => [thread.tid, thread.cpuTicks]));
    for (const thread of sample.threads) {
      const name = `${sample.role} / ${threadLabel(sample.pid, thread)}`;
      const row = threadRows.get(name) ?? { name, pid: sample.pid, msPerCheckout: 0, share: 0 };
      const ms = ((thread.cpuTicks - (threadsBefore.get(thread.tid) ?? 0)) * tickMs) / checkouts;
      row.msPerCheckout += ms;
      threadRows.set(name, row);
      eachThread.push({
        name: `${sample.role} / ${thread.tid}`,
        pid: sample.pid,
        tid: thread.tid,
        startedAfter: thread.startedAfter,
        msPerCheckout: ms,
        share: 0,
      });
    }
  }
  const totalMs = (totalTicks * tickMs) / checkouts;
  const finish = <Row extends CpuRow>(rows: Row[]): Row[] =>
    rows
      .map((row) => ({
        ...row,
        msPerCheckout: Math.round(row.msPerCheckout * 1000) / 1000,
        share: totalMs > 0 ? Math.round((row.msPerCheckout / totalMs) * 1000) / 1000 : 0,
      }))
      .filter((row) => row.msPerCheckout >= 0.05)
      .sort((a, b) => b.msPerCheckout - a.msPerCheckout);
  return {
    checkouts,
    seconds,
    totalMsPerCheckout: Math.round(totalMs * 1000) / 1000,
    coresBusy: Math.round((totalTicks / CLOCK_TICKS_PER_SECOND / seconds) * 100) / 100,
    processes: finish(processes),
    threads: finish([...threadRows.values()]),
    eachThread: finish(eachThread),
  };
}

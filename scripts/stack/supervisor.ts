// The one supervisor of the local stack's processes, for both ways in: `npm start` (launcher.ts)
// and `serverless offline start` run on its own (scripts/offline/plugin.ts). It claims the data
// folder (one run per DATA_DIR), stops what a run that died left behind, starts the parts in order,
// each ready before the next and each in a process group of its own, keeps a run record per part
// (leftovers.ts), prints one line per part, and stops them in reverse order — the API before the
// SQS endpoint, Redis last so that nothing it acknowledged is lost — on a signal, on a failure or
// when a part crashes. Every part gets a bounded time, then SIGKILL.
import { join, relative } from 'node:path';
import { isOurs, readRecord, removeRecord, stopLeftovers, waitForExit, writeRecord, type RunRecord } from './leftovers';
import type { ManagedProcess, StartOptions } from './processes';
import { redisDataDir, startRedis } from './redis';
import { stackSettings, type StackSettings } from './settings';
import { SQS_PROCESS_MATCH, startSqs } from './sqs';

/** Per part: SIGTERM, then SIGKILL after this long. serverless offline alone waits 5 s for open requests. */
const GRACE_MS: Record<string, number> = { ops: 5_000, api: 10_000, sqs: 5_000, redis: 10_000 };
const graceOf = (name: string) => GRACE_MS[name] ?? 10_000;

/** The run record that claims the data folder; the name is older than the plugin's use of it. */
const CLAIM = 'launcher';

/** A folder as the user would type it: relative inside the working folder, absolute outside. */
export const show = (path: string) => {
  const inside = relative(process.cwd(), path);
  return inside.startsWith('..') ? path : inside || '.';
};

/** For a logger that takes whole lines: holds progress text until its line ends. */
export function wholeLines(write: (line: string) => void): (text: string) => void {
  let pending = '';
  return (text) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) write(line);
  };
}

/** The SDK signs every request: a local endpoint accepts any key, but there must be one. */
export function withLocalAwsDefaults(env: NodeJS.ProcessEnv, region = 'us-east-1'): NodeJS.ProcessEnv {
  // The SDK's notice that its 2027 releases need Node 22 would print from every process.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  env.AWS_ACCESS_KEY_ID ??= 'local';
  env.AWS_SECRET_ACCESS_KEY ??= 'local';
  env.AWS_REGION ??= region;
  return env;
}

export interface SupervisorOptions {
  /** Progress text; a line may be begun ("  stopping api...") and finished later (" done\n"). */
  say: (text: string) => void;
  /** Strings this process's command line holds: its claim on the data folder is then told from a reused pid. */
  selfMatch: string[];
  settings?: StackSettings;
}

/** What a part is for its line and its run record: where it listens, what it is, what its process runs. */
export interface PartLine {
  where: string;
  what: string;
  port: number;
  match: string[];
}

export class Supervisor {
  readonly settings: StackSettings;
  private readonly runDir: string;
  private readonly say: (text: string) => void;
  /** Every part started, in order; `running` holds those the stop has not reached yet. */
  private readonly parts: ManagedProcess[] = [];
  private readonly running: ManagedProcess[] = [];
  private stopping: Promise<void> | null = null;
  private exiting: Promise<never> | null = null;
  private stopped = false;
  private claimed = false;
  private toldAlreadyStopping = false;

  constructor(private readonly options: SupervisorOptions) {
    this.settings = options.settings ?? stackSettings();
    this.runDir = join(this.settings.dataDir, 'run');
    this.say = options.say;
  }

  get isStopping(): boolean {
    return this.stopping !== null;
  }

  line(name: string, where: string, what: string): void {
    this.say(`  ${name.padEnd(6)} ${where.padEnd(30)} ${what}\n`);
  }

  logFile(name: string): string {
    return join(this.settings.logDir, `${name}.log`);
  }

  /** Claims the data folder for this run, then stops what a run that was not stopped left running. */
  async begin(headline: string): Promise<void> {
    this.say(`${headline}\n`);
    await this.claimDataDir();
    const found = (list: string) => this.say(`  found leftovers of a previous run that was not stopped: ${list}; stopping them cleanly...`);
    if ((await stopLeftovers(this.runDir, graceOf, found)) > 0) this.say(' done\n');
  }

  /** Redis, then the SQS endpoint, each unless the environment names one; returns REDIS_URL and SQS_ENDPOINT of those started. */
  async startDependencies(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string>> {
    const started: Record<string, string> = {};
    const { settings } = this;
    if (settings.externalRedis) {
      this.line('redis', env.REDIS_URL || '(one URL per service)', 'external, not started here');
    } else {
      const port = settings.redisPort;
      const dataDir = redisDataDir(settings.dataDir);
      started.REDIS_URL = `redis://127.0.0.1:${port}`;
      // redis-server renames itself to "redis-server 127.0.0.1:<port>".
      const part = {
        where: started.REDIS_URL,
        what: `append-only data in ${show(dataDir)}`,
        port,
        match: ['redis-server', String(port)],
      };
      await this.start(part, (onSpawn) => startRedis({ port, dataDir, logFile: this.logFile('redis'), onSpawn }));
    }
    if (settings.externalSqs) {
      this.line('sqs', settings.externalSqs, 'external, not started here');
    } else {
      const port = settings.sqsPort;
      started.SQS_ENDPOINT = `http://127.0.0.1:${port}`;
      const part = {
        where: started.SQS_ENDPOINT,
        what: 'sagashop SQS endpoint',
        port,
        match: SQS_PROCESS_MATCH,
      };
      await this.start(part, (onSpawn) => startSqs({ port, logFile: this.logFile('sqs'), onSpawn }));
    }
    return started;
  }

  /**
   * Starts one part and waits until it is ready. Its run record goes down at the spawn, before it
   * is ready: a run killed during start-up leaves a trace. Refused once a stop has begun.
   */
  async start(line: PartLine, launch: (onSpawn: NonNullable<StartOptions['onSpawn']>) => Promise<ManagedProcess>): Promise<ManagedProcess> {
    if (this.stopping) throw new Error('the stack is stopping');
    const part = await launch((spawned) => {
      this.parts.push(spawned);
      this.running.push(spawned);
      if (spawned.child.pid)
        writeRecord(this.runDir, {
          name: spawned.name,
          pid: spawned.child.pid,
          port: line.port,
          match: line.match,
        });
      // Spawned after the stop went through the list: stopped here, not left behind.
      if (this.stopped) void this.stopPart(this.running.pop()!);
    });
    this.line(part.name, line.where, `${line.what} (pid ${part.child.pid})`);
    return part;
  }

  /** From now on a part that ends by itself stops the rest, with one line that says which. */
  stopOnCrash(): void {
    for (const part of this.parts) {
      void part.exited.then((code) => {
        if (this.stopping) return;
        void this.shutDown(1, `${part.name} exited unexpectedly (${code}); see ${show(this.settings.logDir)}. Stopping the rest.\n`);
      });
    }
  }

  /** SIGINT, SIGTERM and SIGHUP shut the stack down, however many arrive, except while `handedOver()` says another listener ends the run. */
  shutDownOnSignals(exitCode: number, handedOver = () => false): void {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        if (handedOver()) return;
        // Repeated signals are normal: a second Ctrl-C, or npm and tsx passing theirs on. The stop goes on.
        if (this.exiting && !this.toldAlreadyStopping) {
          this.toldAlreadyStopping = true;
          this.say(' (already stopping)');
        }
        void this.shutDown(exitCode);
      });
    }
  }

  /** Stops every part, then exits with `exitCode` (the first one asked for); `why` is said first. */
  shutDown(exitCode: number, why?: string): Promise<never> {
    if (this.exiting) return this.exiting;
    if (why) this.say(why);
    // Every part's stop is bounded; this is for a stop that hangs anyway.
    const bound = this.parts.reduce((sum, part) => sum + graceOf(part.name) + 2_000, 5_000);
    setTimeout(() => {
      this.stopNow('SIGKILL');
      process.exit(exitCode || 1);
    }, bound);
    this.exiting = this.stop().then(() => process.exit(exitCode));
    return this.exiting;
  }

  /** Stops the parts in reverse order and forgets their run records; once begun, every caller gets the same stop. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.claimed) this.recordClaim('stopping');
      // A part spawned while this runs is pushed here and stopped in turn.
      for (let part = this.running.pop(); part; part = this.running.pop()) await this.stopPart(part);
      this.stopped = true;
      if (this.claimed) removeRecord(this.runDir, CLAIM);
      this.claimed = false;
    })();
    return this.stopping;
  }

  /** For a process that is exiting and cannot wait: `signal` to every part still running. */
  stopNow(signal: NodeJS.Signals = 'SIGTERM'): void {
    for (const part of this.parts) {
      if (part.child.exitCode !== null || part.child.signalCode !== null || !part.child.pid) continue;
      try {
        process.kill(-part.child.pid, signal);
      } catch {
        /* gone */
      }
    }
  }

  private async stopPart(part: ManagedProcess): Promise<void> {
    // One that already ended (a crash, said in its own line) has nothing left to stop.
    const endedBefore = part.child.exitCode !== null || part.child.signalCode !== null;
    if (!endedBefore) this.say(`  stopping ${part.name}...`);
    await part.stop('SIGTERM', graceOf(part.name));
    const ended = await Promise.race([part.exited, Promise.resolve('still running')]);
    if (ended === 'still running') {
      // Its run record stays: the next start will find it and try again.
      this.say(` still running after SIGKILL (pid ${part.child.pid})\n`);
      return;
    }
    removeRecord(this.runDir, part.name);
    if (!endedBefore) this.say(ended === 'SIGKILL' ? ` killed: it did not stop within ${graceOf(part.name) / 1000} s\n` : ' done\n');
  }

  private recordClaim(state: RunRecord['state']): void {
    writeRecord(this.runDir, { name: CLAIM, pid: process.pid, match: this.options.selfMatch, state });
    this.claimed = true;
  }

  /** A run still alive for this data folder owns its parts: they are not leftovers, and it is not ours to start over. */
  private async claimDataDir(): Promise<void> {
    const previous = readRecord(this.runDir, CLAIM);
    if (previous && previous.pid !== process.pid && isOurs(previous)) {
      if (previous.state === 'stopping') this.say(`  a previous run (pid ${previous.pid}) is still stopping; waiting for it\n`);
      if (previous.state !== 'stopping' || !(await waitForExit(previous.pid, 40_000))) {
        throw new Error(
          `sagashop is already running with data in ${show(this.settings.dataDir)} (pid ${previous.pid}): ` +
            `stop it first (kill ${previous.pid}), or give this one its own DATA_DIR and ports`,
        );
      }
    }
    this.recordClaim('running');
  }
}

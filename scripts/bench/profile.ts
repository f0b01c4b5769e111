// `npm run bench -- --profile`: where a checkout's CPU and time go (docs/performance.md, "Where a
// checkout's CPU and time go"). Three stacks, one after the other, each warmed up:
//   1. plain: CPU (utime + stime from /proc) of every process and thread, and Redis's command
//      counters, over each phase, per checkout;
//   2. with `node --cpu-prof` in every Node process of the stack: self time by function and by
//      package over each phase (the sampling inflates CPU, so the /proc figures come from 1.);
//   3. with SAGASHOP_TRACE_FILE: single-client checkouts followed hop by hop (scripts/bench/hops.ts).
// Writes bench-results/profile-<time>.md and .json and prints the top lines.
import type Redis from 'ioredis';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResults } from './results';
import { profileFileIds, summariseProfile, type CpuProfile, type ProfileSummary } from './cpuprofile-summary';
import { analyseHops, type HopReport } from './hops';
import { cpuBetween, sampleProcesses, type CpuBreakdown, type ProcessSample } from './proc-cpu';
import { functionsDigest, profileMarkdown } from './profile-report';
import { redisBetween, sampleRedis, type RedisPerCheckout, type RedisSample } from './redis-stats';

export interface PhaseHooks {
  phaseStarts(phase: { clients: number; redis: Redis | null }): Promise<void>;
  phaseEnded(phase: {
    clients: number;
    redis: Redis | null;
    outcomes: { order: number; status: number; began: number; ended: number }[];
    seconds: number;
  }): Promise<void>;
}

type RunBench = (plan: {
  phases: { clients: number; seconds: number }[];
  warmupSeconds: number;
  stackEnv?: NodeJS.ProcessEnv;
  hooks?: PhaseHooks;
}) => Promise<BenchResults>;

export interface ProfileSettings {
  phases: { clients: number; seconds: number }[];
  warmupSeconds: number;
  outDir: string;
  usesOwnStack: boolean;
  /** Which of the three runs: cpu, functions, hops. */
  parts: string[];
}

export interface PhaseProfile {
  clients: number;
  checkouts: number;
  seconds: number;
  cpu: CpuBreakdown;
  redis: RedisPerCheckout | null;
}

export interface FunctionProfile {
  clients: number;
  checkouts: number;
  /**
   * One per Node thread that was busy in the phase: "sls offline / main thread"... V8 samples on
   * wall-clock ticks, so a thread waiting for a core looks busy: its shares are what counts, and
   * `cpuMsPerCheckout` is its /proc CPU in the same run that the shares divide.
   */
  threads: { name: string; file: string; cpuMsPerCheckout: number; summary: ProfileSummary }[];
  /** /proc CPU of this (profiled, so inflated) run, to compare with the plain one. */
  inflatedTotalMsPerCheckout: number;
}

export interface ProfileReport {
  when: string;
  /** CPU of the stack with no checkouts at all, over IDLE_SECONDS after the warm-up, in ms per second. */
  idle: CpuBreakdown | null;
  commit: string;
  load: string;
  settings: { phases: string; warmupSeconds: number };
  phases: PhaseProfile[];
  functions: FunctionProfile[];
  hops: HopReport | null;
}

/** The monotonic clock --cpu-prof's sample times are on, in microseconds. */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

const IDLE_SECONDS = 5;

/** Per-phase /proc and Redis counters around each phase; before the first, the idle stack's CPU. */
function countingHooks(into: PhaseProfile[], idle: { cpu: CpuBreakdown | null }): PhaseHooks {
  let processes: ProcessSample[] = [];
  let redisBefore: RedisSample | null = null;
  return {
    async phaseStarts({ redis }) {
      if (!idle.cpu) {
        // "Per checkout" over 1,000 ms of checkouts-free time: the figures read as ms of CPU per second.
        const before = sampleProcesses(process.pid);
        await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
        idle.cpu = cpuBetween(before, sampleProcesses(process.pid), IDLE_SECONDS, IDLE_SECONDS);
      }
      redisBefore = redis ? await sampleRedis(redis) : null;
      processes = sampleProcesses(process.pid);
    },
    async phaseEnded({ clients, redis, outcomes, seconds }) {
      const after = sampleProcesses(process.pid);
      const redisAfter = redis && redisBefore ? await sampleRedis(redis) : null;
      const checkouts = Math.max(1, outcomes.length);
      into.push({
        clients,
        checkouts,
        seconds,
        cpu: cpuBetween(processes, after, checkouts, seconds),
        redis: redisAfter && redisBefore ? redisBetween(redisBefore, redisAfter, checkouts) : null,
      });
    },
  };
}

async function functionProfiles(run: RunBench, settings: ProfileSettings): Promise<FunctionProfile[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sagashop-cpuprof-'));
  const windows: {
    clients: number;
    from: number;
    to: number;
    checkouts: number;
    roles: Map<number, string>;
    cpu: CpuBreakdown;
  }[] = [];
  let from = 0;
  let processes: ProcessSample[] = [];
  try {
    await run({
      phases: settings.phases,
      warmupSeconds: settings.warmupSeconds,
      stackEnv: {
        SAGASHOP_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${dir} --require ${join(__dirname, 'exit-on-sigterm.cjs')}`,
      },
      hooks: {
        async phaseStarts() {
          processes = sampleProcesses(process.pid);
          from = monotonicMicros();
        },
        async phaseEnded({ clients, outcomes, seconds }) {
          const to = monotonicMicros();
          const after = sampleProcesses(process.pid);
          const checkouts = Math.max(1, outcomes.length);
          windows.push({
            clients,
            from,
            to,
            checkouts,
            roles: new Map(after.map((p) => [p.pid, p.role])),
            cpu: cpuBetween(processes, after, checkouts, seconds),
          });
        },
      },
    });
    // The stack has stopped: every process and worker wrote its profile as it exited.
    const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
    const profiles = files.map((file) => ({
      file,
      ids: profileFileIds(file),
      profile: JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile,
    }));
    return windows.map((window) => ({
      clients: window.clients,
      checkouts: window.checkouts,
      inflatedTotalMsPerCheckout: window.cpu.totalMsPerCheckout,
      threads: profiles
        .map(({ file, ids, profile }) => {
          const role = (ids && window.roles.get(ids.pid)) ?? `pid ${ids?.pid ?? '?'}`;
          const name = `${role} / ${ids?.thread === 0 ? 'main thread' : 'worker thread(s)'}`;
          const summary = summariseProfile(profile, window);
          return {
            name,
            file,
            cpuMsPerCheckout: window.cpu.threads.find((row) => row.name === name)?.msPerCheckout ?? NaN,
            summary,
          };
        })
        .filter((thread) => thread.summary.busyMs >= 20)
        .sort((a, b) => b.cpuMsPerCheckout - a.cpuMsPerCheckout),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function hopTrace(run: RunBench, settings: ProfileSettings): Promise<HopReport | null> {
  const dir = mkdtempSync(join(tmpdir(), 'sagashop-trace-'));
  const file = join(dir, 'hops.trace');
  let report: HopReport | null = null;
  try {
    await run({
      phases: [{ clients: 1, seconds: 5 }],
      warmupSeconds: settings.warmupSeconds,
      stackEnv: { SAGASHOP_TRACE_FILE: file },
      hooks: {
        async phaseStarts() {
          writeFileSync(file, ''); // the warm-up's checkouts are not the idle stack's
        },
        async phaseEnded({ outcomes }) {
          const toWallClock = (at: number) => performance.timeOrigin + at;
          report = analyseHops(
            readFileSync(file, 'utf8'),
            outcomes
              .filter((o) => o.status === 200)
              .map((o) => ({
                order: String(o.order),
                sent: toWallClock(o.began),
                answered: toWallClock(o.ended),
              })),
          );
        },
      },
    });
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function profile(run: RunBench, settings: ProfileSettings): Promise<ProfileReport> {
  if (!settings.usesOwnStack) throw new Error('--profile starts its own stacks: unset BENCH_API');
  const { execSync } = await import('node:child_process');
  const commit =
    execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim() +
    (execSync('git status --porcelain', { encoding: 'utf8' }).trim() ? ' (with uncommitted changes)' : '');
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadBefore = load();
  const wanted = (part: string) => settings.parts.includes(part);
  const phases: PhaseProfile[] = [];
  const idle: { cpu: CpuBreakdown | null } = { cpu: null };
  if (wanted('cpu')) {
    console.log(`profile, cpu: a plain stack, CPU from /proc and Redis's counters per phase (load average ${loadBefore})`);
    await run({
      phases: settings.phases,
      warmupSeconds: settings.warmupSeconds,
      hooks: countingHooks(phases, idle),
    });
  }
  if (wanted('functions')) console.log('profile, functions: a stack whose Node processes run with --cpu-prof');
  const functions = wanted('functions') ? await functionProfiles(run, settings) : [];
  if (wanted('hops')) console.log('profile, hops: a stack that traces single-client checkouts hop by hop');
  const hops = wanted('hops') ? await hopTrace(run, settings) : null;
  const report: ProfileReport = {
    when: new Date().toISOString(),
    idle: idle.cpu,
    commit,
    load: `load average ${loadBefore} before, ${load()} after`,
    settings: {
      phases: settings.phases.map((p) => `${p.clients}:${p.seconds}`).join(','),
      warmupSeconds: settings.warmupSeconds,
    },
    phases,
    functions,
    hops,
  };
  mkdirSync(settings.outDir, { recursive: true });
  const stem = join(settings.outDir, `profile-${report.when.replace(/[:.]/g, '-')}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const markdown = profileMarkdown(report);
  writeFileSync(`${stem}.md`, markdown);
  console.log(`\n${markdown.split('\n## Functions')[0]}`);
  console.log(functionsDigest(report));
  console.log(`profile: ${stem}.md and ${stem}.json`);
  return report;
}

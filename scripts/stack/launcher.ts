// The launcher behind `npm start` (scripts/start.ts starts it in a process group of its own):
// starts Redis, the SQS endpoint, `serverless offline` and the operator's page, each in its own
// process group, and stops them in reverse order — the page, api, then the SQS endpoint, then
// Redis, so that nothing Redis has acknowledged is lost — on SIGINT, SIGTERM or SIGHUP, however
// many arrive, or when the process that started it is gone. Every part gets a bounded time, then SIGKILL.
import { join, relative } from 'node:path';
import { fstatSync } from 'node:fs';
import { isOurs, readRecord, removeRecord, stopLeftovers, waitForExit, writeRecord, type RunRecord } from './leftovers';
import { startOffline } from './offline';
import { startOperatorPage } from './operator-page';
import { LIFELINE, type ManagedProcess } from './processes';
import { redisDataDir, startRedis } from './redis';
import { stackSettings } from './settings';
import { SQS_PROCESS_MATCH, startSqs } from './sqs';

// The SDK's notice that its 2027 releases need Node 22 would print from every process we start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Per part: SIGTERM, then SIGKILL after this long. serverless offline alone waits 5 s for open requests. */
const GRACE_MS: Record<string, number> = { ops: 5_000, api: 10_000, sqs: 5_000, redis: 10_000 };
const graceOf = (name: string) => GRACE_MS[name] ?? 10_000;

const settings = (() => {
  try {
    return stackSettings();
  } catch (error) {
    console.error(`sagashop could not start: ${(error as Error).message}`);
    process.exit(1);
  }
})();
const runDir = join(settings.dataDir, 'run');
const show = (path: string) => relative(process.cwd(), path) || '.';

// A closed terminal or a reader that went away must not end the launcher before the parts.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
const say = (text: string) => {
  if (process.stdout.writable) process.stdout.write(text);
};
const line = (name: string, where: string, what: string) => say(`  ${name.padEnd(6)} ${where.padEnd(30)} ${what}\n`);

const parts: ManagedProcess[] = [];
let stopping: Promise<never> | null = null;
let toldAlreadyStopping = false;
let recordedLauncher = false;

/** The run record goes down before the part is ready: a launcher killed during start-up leaves a trace. */
const track = (port: number, match: string[]) => (part: ManagedProcess) => {
  parts.push(part);
  if (part.child.pid) writeRecord(runDir, { name: part.name, pid: part.child.pid, port, match });
};

function recordLauncher(state: RunRecord['state']): void {
  writeRecord(runDir, { name: 'launcher', pid: process.pid, match: [__filename], state });
  recordedLauncher = true;
}

function stopAll(exitCode: number, why?: string): Promise<never> {
  if (stopping) {
    // Repeated signals are normal: a second Ctrl-C, or npm and tsx forwarding theirs. The stop goes on.
    if (why === undefined && !toldAlreadyStopping) {
      toldAlreadyStopping = true;
      say(' (already stopping)');
    }
    return stopping;
  }
  stopping = (async () => {
    if (recordedLauncher) recordLauncher('stopping');
    if (why) say(why);
    const bound = parts.reduce((sum, part) => sum + graceOf(part.name) + 2_000, 5_000);
    // Every part's stop is bounded; this is for a stop that hangs anyway.
    setTimeout(() => {
      for (const part of parts) {
        try {
          process.kill(-(part.child.pid ?? 0), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      process.exit(exitCode || 1);
    }, bound);
    for (const part of [...parts].reverse()) {
      say(`  stopping ${part.name}...`);
      await part.stop('SIGTERM', graceOf(part.name));
      const ended = await Promise.race([part.exited, Promise.resolve('still running')]);
      if (ended === 'still running') {
        // Its run record stays: the next start will find it and try again.
        say(` still running after SIGKILL (pid ${part.child.pid})\n`);
        continue;
      }
      removeRecord(runDir, part.name);
      say(ended === 'SIGKILL' ? ` killed: it did not stop within ${graceOf(part.name) / 1000} s\n` : ' done\n');
    }
    if (recordedLauncher) removeRecord(runDir, 'launcher');
    process.exit(exitCode);
  })();
  return stopping;
}

/** A launcher still alive for this data dir owns its parts: they are not leftovers. */
async function checkPreviousRun(): Promise<void> {
  const previous = readRecord(runDir, 'launcher');
  if (!previous || previous.pid === process.pid || !isOurs(previous)) return;
  if (previous.state === 'stopping') {
    say(`  a previous run (launcher pid ${previous.pid}) is still stopping; waiting for it\n`);
    if (await waitForExit(previous.pid, 40_000)) return;
  }
  throw new Error(
    `sagashop is already running with data in ${show(settings.dataDir)} (launcher pid ${previous.pid}): ` +
      `stop it first (kill ${previous.pid}), or give this one its own DATA_DIR and ports`,
  );
}

/**
 * Runs the scheduled replay now, through serverless-offline's Lambda invoke endpoint, and again as
 * long as a run ends its time budget with a backlog left (`more`), so the stack comes up with
 * every stuck saga decided.
 */
async function startupReplay(lambdaPort: number): Promise<string> {
  let examined = 0;
  let orphans = 0;
  try {
    for (let runs = 1; ; runs++) {
      const response = await fetch(`http://127.0.0.1:${lambdaPort}/2015-03-31/functions/sagashop-local-replayLog/invocations`, {
        method: 'POST',
        body: '{}',
      });
      const report = (await response.json()) as { ran?: boolean; examined?: number; orphans?: unknown[]; note?: string; more?: boolean };
      if (!report.ran) return `did not run: ${report.note ?? response.status}`;
      examined += report.examined ?? 0;
      orphans += report.orphans?.length ?? 0;
      const done = `${examined} open saga(s) examined${orphans ? `, ${orphans} orphan(s) given back` : ''}${runs > 1 ? ` in ${runs} runs` : ''}`;
      if (!report.more || report.note || stopping) return `${done}${report.note ? ` (${report.note})` : ''}`;
      say(`  replay: ${done} so far; a backlog is left, running it again\n`);
    }
  } catch (error) {
    return `failed: ${(error as Error).message} (run npm run recover)`;
  }
}

async function main(): Promise<void> {
  const begun = Date.now();
  say('sagashop: starting the local stack\n');
  await checkPreviousRun();
  recordLauncher('running');
  const leftovers = await stopLeftovers(runDir, graceOf, (list) => say(`  found leftovers of a previous run that was not stopped: ${list}; stopping them cleanly...`));
  if (leftovers > 0) say(' done\n');

  const env: NodeJS.ProcessEnv = { ...process.env };
  if (settings.externalRedis) {
    line('redis', env.REDIS_URL || '(one URL per service)', 'external, not started here');
  } else {
    if (stopping) return;
    const port = settings.redisPort;
    const redis = await startRedis({
      port,
      dataDir: redisDataDir(settings.dataDir),
      logFile: join(settings.logDir, 'redis.log'),
      // redis-server renames itself to "redis-server 127.0.0.1:<port>".
      onSpawn: track(port, ['redis-server', String(port)]),
    });
    env.REDIS_URL = `redis://127.0.0.1:${port}`;
    line('redis', env.REDIS_URL, `append-only data in ${show(redisDataDir(settings.dataDir))} (pid ${redis.child.pid})`);
  }

  if (settings.externalSqs) {
    env.SQS_ENDPOINT = settings.externalSqs;
    line('sqs', settings.externalSqs, 'external, not started here');
  } else {
    if (stopping) return;
    const port = settings.sqsPort;
    const sqs = await startSqs({ port, logFile: join(settings.logDir, 'sqs.log'), onSpawn: track(port, SQS_PROCESS_MATCH) });
    env.SQS_ENDPOINT = `http://127.0.0.1:${port}`;
    line('sqs', env.SQS_ENDPOINT, `sagashop SQS endpoint (pid ${sqs.child.pid})`);
  }

  // The SDK signs every request; a local endpoint accepts any key, but there must be one.
  env.AWS_ACCESS_KEY_ID ??= 'local';
  env.AWS_SECRET_ACCESS_KEY ??= 'local';
  env.AWS_REGION ??= 'us-east-1';

  if (stopping) return;
  const offline = await startOffline({
    httpPort: settings.httpPort,
    lambdaPort: settings.lambdaPort,
    logFile: join(settings.logDir, 'offline.log'),
    env,
    onSpawn: track(settings.httpPort, ['serverless', 'offline', LIFELINE]),
  });
  const api = `http://127.0.0.1:${settings.httpPort}`;
  line('api', api, `serverless offline (pid ${offline.child.pid})`);

  if (stopping) return;
  const ops = await startOperatorPage({
    port: settings.opsPort,
    logFile: join(settings.logDir, 'ops.log'),
    env,
    onSpawn: track(settings.opsPort, ['operator/server.ts', LIFELINE]),
  });
  const opsUrl = `http://127.0.0.1:${settings.opsPort}`;
  line('ops', opsUrl, `operator's page (pid ${ops.child.pid})`);

  line('replay', 'replayLog, once at start-up', await startupReplay(settings.lambdaPort));
  if (stopping) return;

  const seconds = ((Date.now() - begun) / 1000).toFixed(1);
  say(`sagashop is up in ${seconds} s. API: ${api}  Operator's page: ${opsUrl}  Logs: ${show(settings.logDir)}\n`);
  say('Press Ctrl-C to stop (or send SIGTERM to this process).\n');

  for (const part of parts) {
    void part.exited.then((code) => {
      if (stopping) return;
      console.error(`${part.name} exited unexpectedly (${code}); see ${show(settings.logDir)}. Stopping the rest.`);
      void stopAll(1);
    });
  }
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));

// scripts/start.ts holds our stdin; its end means it is gone (even by SIGKILL): stop as if told to.
function watchStarter(): void {
  try {
    const stdin = fstatSync(0);
    if (!stdin.isFIFO() && !stdin.isSocket()) return;
  } catch {
    return;
  }
  const gone = () => {
    if (!stopping) void stopAll(0, '  the process that started sagashop is gone: stopping\n');
  };
  process.stdin.on('end', gone).on('close', gone).on('error', gone).resume();
}
watchStarter();

main().catch((error: Error) => {
  if (stopping) return; // a part that was stopped during start-up fails to get ready: no news
  console.error(`sagashop could not start: ${error.message}`);
  void stopAll(1);
});

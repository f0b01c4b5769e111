// The launcher behind `npm start` (scripts/start.ts starts it in a process group of its own). The
// supervisor (supervisor.ts) starts Redis, the SQS endpoint, `serverless offline` and the
// operator's page and stops them in reverse order on SIGINT, SIGTERM or SIGHUP, however many
// arrive, when a part crashes, or when the process that started it is gone. What is only
// `npm start`'s: the operator's page, the replay at start-up, and the lines that say where it all is.
import { fstatSync } from 'node:fs';
import { startOffline } from './offline';
import { startOperatorPage } from './operator-page';
import { LIFELINE } from './processes';
import { Supervisor, show, withLocalAwsDefaults } from './supervisor';

withLocalAwsDefaults(process.env);

// A closed terminal or a reader that went away must not end the launcher before the parts.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
const say = (text: string) => {
  if (process.stdout.writable) process.stdout.write(text);
};

const stack = (() => {
  try {
    return new Supervisor({ say, selfMatch: [__filename] });
  } catch (error) {
    console.error(`sagashop could not start: ${(error as Error).message}`);
    process.exit(1);
  }
})();
const { settings } = stack;

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
      const report = (await response.json()) as {
        ran?: boolean;
        examined?: number;
        orphans?: unknown[];
        note?: string;
        more?: boolean;
      };
      if (!report.ran) return `did not run: ${report.note ?? response.status}`;
      examined += report.examined ?? 0;
      orphans += report.orphans?.length ?? 0;
      const done = `${examined} open saga(s) examined${orphans ? `, ${orphans} orphan(s) given back` : ''}${runs > 1 ? ` in ${runs} runs` : ''}`;
      if (!report.more || report.note || stack.isStopping) return `${done}${report.note ? ` (${report.note})` : ''}`;
      say(`  replay: ${done} so far; a backlog is left, running it again\n`);
    }
  } catch (error) {
    return `failed: ${(error as Error).message} (run npm run recover)`;
  }
}

async function main(): Promise<void> {
  const begun = Date.now();
  await stack.begin('sagashop: starting the local stack');
  const env = withLocalAwsDefaults({ ...process.env, ...(await stack.startDependencies()) });

  const api = `http://127.0.0.1:${settings.httpPort}`;
  await stack.start(
    {
      where: api,
      what: 'serverless offline',
      port: settings.httpPort,
      match: ['serverless', 'offline', LIFELINE],
    },
    (onSpawn) =>
      startOffline({
        httpPort: settings.httpPort,
        lambdaPort: settings.lambdaPort,
        logFile: stack.logFile('offline'),
        env,
        onSpawn,
      }),
  );
  const opsUrl = `http://127.0.0.1:${settings.opsPort}`;
  await stack.start(
    {
      where: opsUrl,
      what: "operator's page",
      port: settings.opsPort,
      match: ['operator/server.ts', LIFELINE],
    },
    (onSpawn) => startOperatorPage({ port: settings.opsPort, logFile: stack.logFile('ops'), env, onSpawn }),
  );

  stack.line('replay', 'replayLog, once at start-up', await startupReplay(settings.lambdaPort));
  if (stack.isStopping) return;
  const seconds = ((Date.now() - begun) / 1000).toFixed(1);
  say(`sagashop is up in ${seconds} s. API: ${api}  Operator's page: ${opsUrl}  Logs: ${show(settings.logDir)}\n`);
  say('Press Ctrl-C to stop (or send SIGTERM to this process).\n');
  stack.stopOnCrash();
}

stack.shutDownOnSignals(0);

// scripts/start.ts holds our stdin; its end means it is gone (even by SIGKILL): stop as if told to.
function watchStarter(): void {
  try {
    const stdin = fstatSync(0);
    if (!stdin.isFIFO() && !stdin.isSocket()) return;
  } catch {
    return;
  }
  const gone = () => void stack.shutDown(0, '  the process that started sagashop is gone: stopping\n');
  process.stdin.on('end', gone).on('close', gone).on('error', gone).resume();
}
watchStarter();

main().catch((error: Error) => {
  if (stack.isStopping) return; // a part that was stopped during start-up fails to get ready: no news
  console.error(`sagashop could not start: ${error.message}`);
  void stack.shutDown(1);
});

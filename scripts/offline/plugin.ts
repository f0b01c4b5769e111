import { basename, relative, resolve } from 'node:path';
import { stackSettings } from '../stack/settings';
import { Supervisor, wholeLines, withLocalAwsDefaults } from '../stack/supervisor';
import { NO_ROUTE_HANDLER, writeGuards } from './guard-files';
import { unreachable } from './reachable';

const httpGuard: { idle(timeoutMs: number): Promise<void> } = require('./http-guard.cjs');

/** The function that answers a request no route takes; never part of a package or a deploy. */
const NO_ROUTE_FUNCTION = 'sagashopNoRoute';

/** The option of @sagashop/offline-sqs that names its endpoint (its README). */
const OFFLINE_SQS = 'offlineSqs';

interface PluginLog {
  notice(message: string): void;
  warning(message: string): void;
}

/**
 * sagashop's companion of serverless-offline, for `serverless offline start`. Listed before
 * @sagashop/offline-sqs (which creates the queues and runs the SQS events on the endpoint this
 * plugin hands it) and serverless-offline, since plugins run a shared hook in their listed order:
 * - on stage local, starts Redis and the SQS endpoint when REDIS_URL / SQS_ENDPOINT name none, as
 *   `npm start` does, with the same supervisor (../stack/supervisor.ts), and stops them after
 *   serverless offline's own parts; a dependency that cannot be reached stops the start with one line;
 * - serves every HTTP function through a guard (http-guard.cjs): no failure answers 2xx;
 * - answers a path or method no route takes with a JSON 404 that names nothing (no-route.cjs).
 * Outside `offline start` it does nothing, so `serverless package` and `deploy` are unaffected.
 */
export class SagashopOfflinePlugin {
  readonly hooks: Record<string, () => Promise<void>>;
  private stack: Supervisor | null = null;
  /** From here on serverless-offline's own signal listener ends the run, through the end hooks. */
  private ready = false;

  constructor(
    private readonly serverless: any,
    private readonly cliOptions: Record<string, unknown>,
    private readonly utils: { log: PluginLog },
  ) {
    this.hooks = {
      // Before serverless-esbuild's bundling: a Redis or SQS endpoint named but down fails at once.
      initialize: () => this.failFast(),
      'before:offline:start:init': () => this.attempt(() => this.startLocalStack()),
      // After offline-sqs has read where the bundles are, before serverless-offline loads them.
      'offline:start:init': () => this.attempt(async () => this.guardHttpFunctions()),
      'offline:start:ready': async () => this.serving(),
      // Requests inside a function finish first, as under npm start, whose launcher stops the API
      // before the rest; offline-sqs then stops its event sources (its before: hook).
      'before:offline:start:end': async () => {
        if (this.stack) await httpGuard.idle(5_000);
      },
      // Then the SQS endpoint, and Redis last.
      'offline:start:end': async () => this.stack?.stop(),
      // Plain `serverless offline` runs start, wait and end in one step that others cannot hook
      // into: what we started stops at exit (Supervisor.stopNow).
      'before:offline:start': () => this.attempt(() => this.startLocalStack()),
      'offline:start': () =>
        this.attempt(async () => {
          this.guardHttpFunctions();
          this.serving();
        }),
    };
  }

  private get service() {
    return this.serverless.service;
  }

  private get isLocalOffline(): boolean {
    return this.serverless.processedInput?.commands?.[0] === 'offline' && this.service.provider.stage === 'local';
  }

  /** What the functions will see: the shell's environment under serverless.yml's. */
  private functionsEnv(): NodeJS.ProcessEnv {
    const strings = Object.entries(this.service.provider.environment ?? {}).filter(([, value]) => typeof value === 'string');
    return { ...process.env, ...(Object.fromEntries(strings) as Record<string, string>) };
  }

  /** Every failure is one line and exit 1: serving with a dependency missing would answer 5xx to every request. */
  private async attempt(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      // A signal's stop is under way: the part it stopped could not get ready, which is no news.
      if (!this.stack?.isStopping) process.stderr.write(`sagashop: serverless offline cannot start: ${(error as Error).message}\n`);
      await this.stack?.shutDown(1);
      process.exit(1);
    }
  }

  /** From here on serverless-offline's own signal listener ends the run, and a crashed part stops the rest. */
  private serving(): void {
    this.ready = true;
    this.stack?.stopOnCrash();
  }

  private async failFast(): Promise<void> {
    if (!this.isLocalOffline) return;
    await this.attempt(async () => {
      const settings = stackSettings();
      const problem = await unreachable(this.functionsEnv(), {
        redis: settings.externalRedis,
        sqs: Boolean(settings.externalSqs),
      });
      if (problem) throw new Error(problem);
    });
  }

  private async startLocalStack(): Promise<void> {
    if (!this.isLocalOffline) return;
    const settings = stackSettings();
    let started: Record<string, string> = {};
    if (!settings.externalRedis || !settings.externalSqs) {
      const say = wholeLines((line) => this.utils.log.notice(line));
      const stack = (this.stack = new Supervisor({
        say,
        selfMatch: [basename(process.argv[1] ?? 'serverless'), 'offline'],
        settings,
      }));
      process.once('exit', () => stack.stopNow());
      // A signal while starting stops what was started and exits. Once serving, serverless-offline's
      // own SIGINT/SIGTERM listener ends the run through the end hooks; SIGHUP, which it ignores, is
      // passed on as SIGTERM.
      stack.shutDownOnSignals(130, () => this.ready);
      process.on('SIGHUP', () => {
        if (this.ready) process.kill(process.pid, 'SIGTERM');
      });
      await stack.begin('sagashop: starting what serverless offline needs (Ctrl-C stops it with serverless offline)');
      started = await stack.startDependencies();
    }
    Object.assign(process.env, started);
    Object.assign((this.service.provider.environment ??= {}), started);
    // The endpoint the functions send to is the one offline-sqs creates the queues on and polls.
    const custom = (this.service.custom ??= {});
    if (started.SQS_ENDPOINT) custom[OFFLINE_SQS] = { ...custom[OFFLINE_SQS], endpoint: started.SQS_ENDPOINT };
    withLocalAwsDefaults(process.env, this.service.provider.region);
    // What the environment named was checked at `initialize`; now the rest, as the functions will see it.
    const problem = this.stack ? await unreachable(this.functionsEnv()) : undefined;
    if (problem) throw new Error(problem);
  }

  /** Points serverless-offline at stand-ins that guard every HTTP handler (guard-files.ts). */
  private guardHttpFunctions(): void {
    const servicePath: string = this.serverless.config.servicePath;
    const custom = (this.service.custom ??= {});
    const offline = (custom['serverless-offline'] ??= {});
    // serverless-esbuild has set `location` to its build folder by now.
    const codeDir = resolve(servicePath, String(this.cliOptions.location ?? offline.location ?? ''));
    const functions = this.service.getAllFunctions().map((functionKey: string) => ({
      functionKey,
      handler: this.service.getFunction(functionKey).handler,
      http: (this.service.getAllEventsInFunction(functionKey) ?? []).some((event: Record<string, unknown>) => event.httpApi || event.http),
    }));
    const location = relative(
      servicePath,
      writeGuards(
        codeDir,
        functions.filter((fn: { handler?: unknown }) => typeof fn.handler === 'string'),
      ),
    );
    offline.location = location;
    if (this.cliOptions.location !== undefined) this.cliOptions.location = location;
    this.answerUnmatchedRequests();
  }

  /**
   * The HTTP API's $default route, added to this run only (after bundling, so nothing builds or
   * deploys it): serverless-offline then serves it instead of its own catch-all, whose answer
   * names the framework and lists every route. A route the service declares itself is kept.
   */
  private answerUnmatchedRequests(): void {
    const functions = (this.service.functions ??= {});
    const hasDefault = Object.values(functions).some((fn: any) =>
      (fn?.events ?? []).some((event: any) => event?.httpApi === '*' || event?.http?.path === '{proxy+}'),
    );
    if (hasDefault) return;
    functions[NO_ROUTE_FUNCTION] = {
      name: `${this.service.service}-${this.service.provider.stage}-${NO_ROUTE_FUNCTION}`,
      handler: NO_ROUTE_HANDLER,
      events: [{ httpApi: '*' }],
    };
  }
}

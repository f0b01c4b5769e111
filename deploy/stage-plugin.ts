import { functionAlarms } from './alarms';
import type { StageSettings } from './stage-settings';

// Applies what serverless.yml cannot say with variables alone, from `custom.stage`
// (deploy/stage.cjs), when the Framework initialises:
// - routes: serverless.yml declares every route once, as an HTTP API route (what AWS gets). The
//   LocalStack stage gets each as a REST API route instead; the batch_init routes are dropped
//   unless the stage turns them on, and on AWS they get far tighter throttling than the rest.
//   A function whose only routes are dropped is dropped with them (no function, role, log group
//   or alarms for a route that is off).
// - concurrency: on AWS, the senders' reserved concurrency (custom.stage.concurrency; the steps'
//   come with their generated functions).
// - alarms: on AWS, each function's errors and throttles alarms, and the HTTP functions' answered
//   500s (deploy/alarms.ts); the others come with custom.stage.alarms, but variables cannot list
//   the functions.
// - roles: once serverless-iam-roles-per-function has given every function its own role (it
//   copies the Framework's shared role, so that one exists until then), the shared role, which
//   nothing uses, is dropped, and so are the managed policies: a function in a VPC gets the
//   network-interface rights written out instead (deploy/aws-template.ts).
// - LocalStack: every command of that stage that talks to it (deploy, info, invoke, remove, ...)
//   first checks that it is up and done with its init hooks, and fails at once with what to do,
//   instead of waiting on connection retries. `package` needs no LocalStack.

/** A batch_init route overwrites up to millions of records: one call a second is plenty. */
export const BATCH_INIT_THROTTLE = { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 1 };

const OFFLINE_COMMANDS = new Set(['package', 'print', 'offline', 'help']);

interface HttpApiEvent {
  httpApi: { method: string; path: string };
}

export async function localStackProblem(endpoint: string, timeoutMs = 3000): Promise<string | undefined> {
  const url = `${endpoint}/_localstack/init/ready`;
  let answer: Response;
  try {
    answer = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
    const reason = cause?.code ?? cause?.errors?.[0]?.code ?? (error as Error).message;
    return `LocalStack is not reachable at ${endpoint} (${reason}). Start it with \`npm run localstack:up\` (needs Docker), then run this again.`;
  }
  const body = (await answer.json().catch(() => null)) as { completed?: boolean } | null;
  // The endpoint answers 200 while its init hooks still run: only `completed` says they are done.
  if (!answer.ok || body?.completed !== true) {
    return `LocalStack at ${endpoint} is up but has not finished starting (${url} says ${answer.status} ${JSON.stringify(body)}). Wait for \`npm run localstack:up\` to return, then run this again.`;
  }
  return undefined;
}

export class StagePlugin {
  readonly hooks: Record<string, () => Promise<void>>;

  constructor(private readonly serverless: any) {
    this.hooks = {
      initialize: async () => {
        this.shapeRoutes();
        this.boundConcurrency();
        this.addFunctionAlarms();
      },
      // Listed after serverless-iam-roles-per-function in serverless.yml: runs after its hook.
      'before:package:finalize': async () => this.onlyOwnRoles(),
    };
    // The LocalStack check must run before the Framework's own `initialize` hooks: for `deploy`
    // one of them starts an account-id lookup in the background, which against an absent
    // LocalStack retries for ~25 s and holds the process open after any error. Hooks run in
    // order, so this one goes first (serverless-localstack places its hooks the same way).
    const initialize = (serverless.pluginManager.hooks.initialize ??= []);
    initialize.unshift({ pluginName: 'StagePlugin', hook: () => this.requireLocalStack() });
  }

  private get settings(): StageSettings {
    return this.serverless.service.custom.stage;
  }

  private shapeRoutes(): void {
    const { api, batchInitRoutes, kind } = this.settings;
    const service = this.serverless.service;
    const routeSettings: Record<string, unknown> = {};
    for (const [key, fn] of Object.entries<{ events?: unknown[] }>(service.functions ?? {})) {
      const hadRoutes = (fn.events ?? []).some((event) => (event as Partial<HttpApiEvent>).httpApi);
      fn.events = (fn.events ?? []).flatMap((event) => {
        const route = (event as Partial<HttpApiEvent>).httpApi;
        if (!route) return [event];
        const batchInit = route.path.includes('/batch_init/');
        if (batchInit && !batchInitRoutes) return [];
        if (api === 'rest') return [{ http: { method: route.method, path: route.path } }];
        if (batchInit && kind === 'aws') routeSettings[`${route.method.toUpperCase()} ${route.path}`] = BATCH_INIT_THROTTLE;
        return [event];
      });
      if (hadRoutes && fn.events.length === 0) delete service.functions[key];
    }
    if (Object.keys(routeSettings).length > 0) {
      const stage = service.resources?.extensions?.HttpApiStage;
      if (!stage)
        throw new this.serverless.classes.Error('stage-plugin: the AWS stage has no HttpApiStage extension to throttle batch_init in');
      stage.Properties.RouteSettings = routeSettings;
    }
  }

  private boundConcurrency(): void {
    const { concurrency } = this.settings;
    if (!concurrency) return;
    const functions = this.serverless.service.functions ?? {};
    for (const [key, reserved] of Object.entries(concurrency.senders)) if (functions[key]) functions[key].reservedConcurrency = reserved;
  }

  private addFunctionAlarms(): void {
    if (this.settings.kind !== 'aws') return;
    const service = this.serverless.service;
    const functions = Object.entries<{ events?: unknown[] }>(service.functions ?? {});
    const httpFunctions = functions
      .filter(([, fn]) => (fn.events ?? []).some((event) => (event as Partial<HttpApiEvent>).httpApi))
      .map(([key]) => key);
    service.resources ??= {};
    service.resources.Resources = {
      ...service.resources.Resources,
      ...functionAlarms(
        functions.map(([key]) => key),
        httpFunctions,
      ),
    };
  }

  private onlyOwnRoles(): void {
    if (this.settings.kind === 'local') return;
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const shared = this.serverless.getProvider('aws').naming.getRoleLogicalId();
    if (resources[shared]) {
      const { [shared]: _unused, ...rest } = resources;
      // Only a role nothing names may go; one still named (a function without its own statements)
      // stops packaging rather than deploying a dangling reference.
      if (JSON.stringify(rest).includes(`"${shared}"`))
        throw new this.serverless.classes.Error(`stage-plugin: ${shared} is still used; give every function iamRoleStatements`);
      delete resources[shared];
    }
    for (const resource of Object.values<any>(resources))
      if (resource.Type === 'AWS::IAM::Role') delete resource.Properties.ManagedPolicyArns;
  }

  private async requireLocalStack(): Promise<void> {
    if (this.settings.kind !== 'localstack') return;
    const command = this.serverless.processedInput?.commands?.[0];
    if (!command || OFFLINE_COMMANDS.has(command)) return;
    const config = this.serverless.service.custom?.localstack ?? {};
    const host = new URL(process.env.AWS_ENDPOINT_URL ?? `${config.host ?? 'http://localhost'}:${config.edgePort ?? 4566}`);
    // Docker publishes the port on 127.0.0.1; "localhost" may resolve to ::1 first.
    if (host.hostname === 'localhost') host.hostname = '127.0.0.1';
    const problem = await localStackProblem(host.origin);
    if (problem) throw new this.serverless.classes.Error(problem);
  }
}

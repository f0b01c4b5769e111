import {
  isolatedStackPorts,
  removeStackFolders,
  request,
  startStack,
  type RunningStack,
  type StackPorts,
} from '../../scripts/stack/child-stack';

export interface StackSetup {
  /** Starts what the stack should use instead of its own Redis; returns the environment naming it. */
  before(): Promise<NodeJS.ProcessEnv>;
  after(): Promise<void>;
}

/**
 * The whole stack, started once for a test file with the README's start script on free ports,
 * and stopped after it. Returns a handle whose `stack` and `ports` are set once beforeAll ran.
 */
export function useStartedStack(setup?: StackSetup) {
  let env: NodeJS.ProcessEnv = {};
  const handle = {
    ports: undefined as unknown as StackPorts,
    stack: undefined as unknown as RunningStack,
    post: (path: string) => request(handle.stack.api, 'POST', path),
    get: (path: string) => request(handle.stack.api, 'GET', path),
    /** Starts the stack again on the same ports and data, after a stop. */
    restart: async () => {
      handle.stack = await startStack(handle.ports, env);
    },
  };
  beforeAll(async () => {
    handle.ports = await isolatedStackPorts();
    env = (await setup?.before()) ?? {};
    handle.stack = await startStack(handle.ports, env);
  }, 180_000);
  afterAll(async () => {
    if (handle.stack?.child.exitCode === null) await handle.stack.stop();
    await setup?.after();
    if (handle.ports) removeStackFolders(handle.ports);
  });
  return handle;
}

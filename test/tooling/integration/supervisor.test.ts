import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../../scripts/stack/leftovers';
import { startProcess } from '../../../scripts/stack/processes';
import { stackSettings } from '../../../scripts/stack/settings';
import { Supervisor } from '../../../scripts/stack/supervisor';

// The supervisor both `npm start` and `serverless offline start` use, with idle node processes
// for parts: the order it stops them in, the run records it keeps, and what a crash or a signal
// does to the rest. A shut-down exits its process, so those run in a child process.
const ROOT = join(__dirname, '..', '..', '..');
const IDLE = ['-e', 'setInterval(() => {}, 1000) // an idle part'];
const PARTS = ['first', 'second', 'third'];

const records = (dataDir: string) =>
  readdirSync(join(dataDir, 'run'))
    .filter((file) => file.endsWith('.pid'))
    .sort();

/** A process that supervises three idle parts, says "up" with their pids, and waits. */
function supervising(dataDir: string) {
  const code = `
    const { Supervisor } = require('./scripts/stack/supervisor');
    const { startProcess } = require('./scripts/stack/processes');
    const { stackSettings } = require('./scripts/stack/settings');
    const stack = new Supervisor({ say: (text) => process.stdout.write(text), selfMatch: ['supervisor-under-test'], settings: stackSettings({ DATA_DIR: ${JSON.stringify(dataDir)} }) });
    stack.shutDownOnSignals(0);
    (async () => {
      await stack.begin('starting');
      const pids = {};
      for (const name of ${JSON.stringify(PARTS)}) {
        const part = await stack.start({ where: name, what: 'idle', port: 1, match: ['an idle part'] }, async (onSpawn) =>
          startProcess(name, process.execPath, ${JSON.stringify(IDLE)}, { logFile: ${JSON.stringify(dataDir)} + '/' + name + '.log', onSpawn }));
        pids[name] = part.child.pid;
      }
      stack.stopOnCrash();
      process.stdout.write('up ' + JSON.stringify(pids) + '\\n');
    })();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code, 'supervisor-under-test'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  const up = new Promise<Record<string, number>>((resolve, reject) => {
    child.stdout.on('data', () => {
      const pids = /^up (.*)$/m.exec(output)?.[1];
      if (pids) resolve(JSON.parse(pids));
    });
    void exited.then(() => reject(new Error(`exited before it was up:\n${output}`)));
  });
  return { child, up, exited, output: () => output };
}

describe('the stack supervisor', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'sagashop-supervisor-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps a run record per part and a claim on the data folder, and stops the parts in reverse order', async () => {
    const lines: string[] = [];
    const stack = new Supervisor({
      say: (text) => lines.push(text),
      selfMatch: [process.argv[1]],
      settings: stackSettings({ DATA_DIR: dataDir }),
    });
    await stack.begin('starting');
    const pids: number[] = [];
    for (const name of PARTS) {
      const part = await stack.start({ where: name, what: 'idle', port: 1, match: ['an idle part'] }, async (onSpawn) =>
        startProcess(name, process.execPath, IDLE, { logFile: join(dataDir, `${name}.log`), onSpawn }),
      );
      pids.push(part.child.pid!);
    }
    expect(records(dataDir)).toEqual(['first.pid', 'launcher.pid', 'second.pid', 'third.pid']);

    await stack.stop();
    expect(lines.join('')).toMatch(/stopping third\.\.\. done\n {2}stopping second\.\.\. done\n {2}stopping first\.\.\. done\n/);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(records(dataDir)).toEqual([]);
  });

  it('a part that crashes stops the rest in reverse order, with a line that names it, and exit 1', async () => {
    const run = supervising(dataDir);
    const pids = await run.up;
    process.kill(pids.second, 'SIGKILL');
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(
      /second exited unexpectedly \(SIGKILL\)[^\n]*Stopping the rest\.\n {2}stopping third\.\.\. done\n {2}stopping first\.\.\. done\n/,
    );
    expect(Object.values(pids).filter(isAlive)).toEqual([]);
    expect(records(dataDir)).toEqual([]);
  });

  it('refuses a second run on the same data folder; SIGTERM, sent twice, stops every part once in reverse order and exits 0', async () => {
    const run = supervising(dataDir);
    const pids = await run.up;
    const second = new Supervisor({
      say: () => {},
      selfMatch: ['other'],
      settings: stackSettings({ DATA_DIR: dataDir }),
    });
    await expect(second.begin('starting again')).rejects.toThrow(`already running with data in ${dataDir} (pid ${run.child.pid})`);
    run.child.kill('SIGTERM');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // The second signal is said at most once, wherever the stop has got to when it arrives.
    const [stop, ...more] = run.output().split(' (already stopping)');
    expect(more.length).toBeLessThanOrEqual(1);
    expect([stop, ...more].join('')).toMatch(/stopping third\.\.\. done\n {2}stopping second\.\.\. done\n {2}stopping first\.\.\. done\n$/);
    expect(Object.values(pids).filter(isAlive)).toEqual([]);
    expect(records(dataDir)).toEqual([]);
  });
});

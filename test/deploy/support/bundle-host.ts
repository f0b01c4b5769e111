import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { functionsOf, type Packaged, type Resource } from './package';

// Runs the packaged functions themselves: each function's zip, as `serverless package` wrote it,
// unzipped into a folder outside the repository and loaded by a plain `node` (runner.cjs) with
// the environment its template gives it, so nothing of the developer's tree can fill a gap.

/** The files of a zip archive (stored or deflated entries: what the Framework writes). */
export function unzip(zipFile: string): Map<string, Buffer> {
  const zip = readFileSync(zipFile);
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error(`${zipFile} is not a zip archive`);
  const files = new Map<string, Buffer>();
  let entry = zip.readUInt32LE(end + 16);
  for (let index = 0; index < zip.readUInt16LE(end + 10); index += 1) {
    if (zip.readUInt32LE(entry) !== 0x02014b50) throw new Error(`${zipFile}: bad central directory`);
    const method = zip.readUInt16LE(entry + 10);
    const size = zip.readUInt32LE(entry + 20);
    const nameLength = zip.readUInt16LE(entry + 28);
    const name = zip.toString('utf8', entry + 46, entry + 46 + nameLength);
    const local = zip.readUInt32LE(entry + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    if (!name.endsWith('/')) files.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    entry += 46 + nameLength + zip.readUInt16LE(entry + 30) + zip.readUInt16LE(entry + 32);
  }
  return files;
}

interface Pending {
  resolve: (value: any) => void;
  reject: (error: Error) => void;
}

interface Container {
  child: ChildProcess;
  pending: Map<string, Pending>;
}

export class BundleHost {
  readonly root = mkdtempSync(join(tmpdir(), 'sagashop-bundles-'));
  private readonly containers = new Map<string, Promise<Container>>();
  private output = '';
  private nextId = 0;
  private readonly functions: Map<string, Resource>;

  /** `environment` turns the template's variables into what this run gives the function. */
  constructor(
    private readonly packaged: Packaged,
    stage: string,
    private readonly environment: (name: string, variables: Record<string, unknown>) => NodeJS.ProcessEnv,
  ) {
    this.functions = new Map(functionsOf(packaged, stage));
    copyFileSync(join(__dirname, 'runner.cjs'), join(this.root, 'runner.cjs'));
  }

  names(): string[] {
    return [...this.functions.keys()];
  }

  /** Unzips a function's artifact into its own folder; returns its files (name → text). */
  unpack(name: string): Map<string, string> {
    const files = unzip(join(this.packaged.dir, `${name}.zip`));
    const folder = join(this.root, name);
    const texts = new Map<string, string>();
    for (const [file, data] of files) {
      mkdirSync(dirname(join(folder, file)), { recursive: true });
      writeFileSync(join(folder, file), data);
      texts.set(file, data.toString('utf8'));
    }
    return texts;
  }

  /** Everything every container printed so far. */
  logs(): string {
    return this.output;
  }

  private start(name: string): Promise<Container> {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no function ${name} in the package`);
    this.unpack(name);
    const env = this.environment(name, fn.Properties.Environment.Variables);
    const child = spawn(
      process.execPath,
      [join(this.root, 'runner.cjs'), join(this.root, name), fn.Properties.Handler, name, String(fn.Properties.Timeout)],
      {
        cwd: this.root,
        env: { ...env, AWS_LAMBDA_FUNCTION_NAME: name, HOME: this.root },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    const container: Container = { child, pending: new Map() };
    const tag = (chunk: Buffer) => (this.output += chunk.toString('utf8').replace(/^(?=.)/gm, `[${name}] `));
    child.stdout!.on('data', tag);
    child.stderr!.on('data', tag);
    return new Promise((resolve, reject) => {
      child.on('message', (message: any) => {
        if (message.kind === 'ready') return resolve(container);
        if (message.kind === 'load-failed') return reject(new Error(`${name} did not load: ${message.error}`));
        const waiting = container.pending.get(message.id);
        container.pending.delete(message.id);
        if (message.error) waiting?.reject(new Error(`${name} failed: ${message.error}`));
        else waiting?.resolve(message.result);
      });
      child.on('exit', (code) => {
        const error = new Error(`${name} exited (${code}):\n${this.output}`);
        reject(error);
        for (const waiting of container.pending.values()) waiting.reject(error);
      });
    });
  }

  /** Invokes a function with an event, starting its container on first use. */
  async invoke(name: string, event: unknown): Promise<any> {
    let container = this.containers.get(name);
    if (!container) {
      container = this.start(name);
      this.containers.set(name, container);
    }
    const { child, pending } = await container;
    const id = `invoke-${(this.nextId += 1)}`;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ id, event });
    });
  }

  async stop(): Promise<void> {
    for (const container of this.containers.values()) {
      const { child } = await container.catch(() => ({ child: undefined }));
      if (child && child.exitCode === null) {
        await new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGKILL');
        });
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

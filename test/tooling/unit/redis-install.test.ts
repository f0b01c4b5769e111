import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRedisServer } from '../../../scripts/stack/redis';
import { realSystem, type SystemAccess } from '../../../scripts/stack/system-packages';

// What `npm start`, `serverless offline start` and the tests do on a machine without redis-server:
// the real decision code and the real process spawning, on a PATH that holds only stand-ins for
// apt-get, dnf and sudo which record how they were called (and "install" a redis-server stand-in).
// What is tested is our choice of command and what we tell the user, not the package managers.

let dir: string;
let bin: string;
let calls: string;
const savedPath = process.env.PATH;

function stub(name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

/** A package manager that records its arguments (and DEBIAN_FRONTEND) and, on install, provides redis-server. */
function packageManager(name: string, installs: string): void {
  stub(
    name,
    [
      `echo "${name} $* [DEBIAN_FRONTEND=$DEBIAN_FRONTEND]" >> "${calls}"`,
      `case "$*" in *install*${installs}*) printf '#!/bin/sh\\necho redis stand-in\\n' > "${bin}/redis-server"; /bin/chmod 755 "${bin}/redis-server";; esac`,
    ].join('\n'),
  );
}

/** sudo that records its arguments; `sudo -n true` answers `canSudo`, anything else runs as given. */
function sudo(allowed: boolean): void {
  stub(
    'sudo',
    [`echo "sudo $*" >> "${calls}"`, '[ "$1" = "-n" ] && shift', `[ "$1" = "true" ] && exit ${allowed ? 0 : 1}`, 'exec "$@"'].join('\n'),
  );
}

function machine(root: boolean) {
  const logged: string[] = [];
  const system: SystemAccess = { ...realSystem, isRoot: () => root, log: (text) => logged.push(text) };
  return {
    system,
    logged,
    calls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []),
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sagashop-install-'));
  bin = join(dir, 'bin');
  mkdirSync(bin);
  calls = join(dir, 'calls.log');
  // Only the stand-ins: the machine's own apt-get, sudo and redis-server must not be found.
  process.env.PATH = bin;
});

afterEach(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

describe('redis-server missing', () => {
  it('as root: apt-get update and install redis-server, non-interactive, saying what it does and how long it took', async () => {
    packageManager('apt-get', 'redis-server');
    const { system, logged, calls } = machine(true);
    await expect(ensureRedisServer(system)).resolves.toBe(join(bin, 'redis-server'));
    expect(calls()).toEqual([
      'apt-get update -q [DEBIAN_FRONTEND=noninteractive]',
      'apt-get install -y -q redis-server [DEBIAN_FRONTEND=noninteractive]',
    ]);
    expect(logged).toEqual([
      'redis-server is missing (needed for the local Redis): installing it with apt-get...',
      '  $ apt-get update -q',
      '  $ apt-get install -y -q redis-server',
      expect.stringMatching(new RegExp(`^redis-server installed in \\d+\\.\\d s: ${bin}/redis-server$`)),
    ]);
  });

  it('not root, with passwordless sudo: the same commands through sudo -n', async () => {
    packageManager('apt-get', 'redis-server');
    sudo(true);
    const { system, logged, calls } = machine(false);
    await expect(ensureRedisServer(system)).resolves.toBe(join(bin, 'redis-server'));
    expect(calls().filter((line) => line.startsWith('sudo'))).toEqual([
      'sudo -n true',
      'sudo -n apt-get update -q',
      'sudo -n apt-get install -y -q redis-server',
    ]);
    expect(calls().filter((line) => line.startsWith('apt-get'))).toEqual([
      'apt-get update -q [DEBIAN_FRONTEND=noninteractive]',
      'apt-get install -y -q redis-server [DEBIAN_FRONTEND=noninteractive]',
    ]);
    expect(logged[0]).toBe('redis-server is missing (needed for the local Redis): installing it with apt-get via sudo...');
  });

  it.each([
    ['sudo asks for a password', true],
    ['there is no sudo', false],
  ])('neither root nor passwordless sudo (%s): stops at once with the one command to type, installing nothing', async (_case, hasSudo) => {
    packageManager('apt-get', 'redis-server');
    if (hasSudo) sudo(false);
    const { system, logged, calls } = machine(false);
    await expect(ensureRedisServer(system)).rejects.toThrow(
      /^redis-server is not installed \(needed for the local Redis\); install it with: sudo apt-get update && sudo apt-get install -y redis-server$/,
    );
    expect(calls()).toEqual(hasSudo ? ['sudo -n true'] : []);
    expect(logged).toEqual([]);
  });

  it('with dnf instead of apt-get: installs the package called redis', async () => {
    packageManager('dnf', 'redis');
    const { system, calls } = machine(true);
    await ensureRedisServer(system);
    expect(calls()).toEqual([expect.stringMatching(/^dnf install -y redis \[/)]);
  });

  it('a failed install names the command to type', async () => {
    stub('apt-get', `echo "apt-get $*" >> "${calls}"; exit 100`);
    const { system } = machine(true);
    await expect(ensureRedisServer(system)).rejects.toThrow(
      /`apt-get update -q` failed \(exit 100\): install it with: sudo apt-get update && sudo apt-get install -y redis-server/,
    );
  });

  it('already there: runs nothing, says nothing', async () => {
    packageManager('apt-get', 'redis-server');
    stub('redis-server', 'exit 0');
    const { system, logged, calls } = machine(true);
    await expect(ensureRedisServer(system)).resolves.toBe(join(bin, 'redis-server'));
    expect([calls(), logged]).toEqual([[], []]);
  });
});

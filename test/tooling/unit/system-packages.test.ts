import { ensureCommand, realSystem, type SystemAccess } from '../../../scripts/stack/system-packages';

/** A machine where `present` commands are on PATH; installing a package puts `installs` there. */
function fakeSystem(
  options: {
    present?: string[];
    root?: boolean;
    sudo?: boolean;
    installs?: Record<string, string>;
    fail?: string;
  } = {},
) {
  const present = new Set(options.present ?? []);
  const ran: string[] = [];
  const logged: string[] = [];
  let clock = 1_000;
  const system: SystemAccess = {
    which: (command) => (present.has(command) ? `/usr/bin/${command}` : undefined),
    run: async (command, args) => {
      const line = [command, ...args].join(' ');
      ran.push(line);
      clock += 2_500;
      if (options.fail && line.includes(options.fail)) return 100;
      const installed = Object.entries(options.installs ?? {}).find(([pkg]) => args.includes('install') && args.includes(pkg));
      if (installed) present.add(installed[1]);
      return 0;
    },
    isRoot: () => options.root ?? false,
    canSudo: () => options.sudo ?? false,
    log: (text) => logged.push(text),
    now: () => clock,
  };
  return { system, ran, logged };
}

const chromium = { apt: 'chromium', dnf: 'chromium', brew: 'chromium', why: 'for the browser test' };

describe('ensureCommand', () => {
  it('returns the path of a command that is there, installing nothing', async () => {
    const { system, ran } = fakeSystem({ present: ['chromium', 'apt-get'] });
    await expect(ensureCommand('chromium', chromium, system)).resolves.toBe('/usr/bin/chromium');
    expect(ran).toEqual([]);
  });

  it('as root with apt-get: updates the lists, installs the package, says what it did and how long it took', async () => {
    const { system, ran, logged } = fakeSystem({
      present: ['apt-get'],
      root: true,
      installs: { chromium: 'chromium' },
    });
    await expect(ensureCommand('chromium', chromium, system)).resolves.toBe('/usr/bin/chromium');
    expect(ran).toEqual(['apt-get update -q', 'apt-get install -y -q chromium']);
    expect(logged[0]).toMatch(/chromium is missing \(needed for the browser test\): installing it with apt-get/);
    expect(logged.at(-1)).toBe('chromium installed in 5.0 s: /usr/bin/chromium');
  });

  it('not root but with passwordless sudo: the same through sudo -n', async () => {
    const { system, ran } = fakeSystem({
      present: ['apt-get'],
      sudo: true,
      installs: { 'redis-server': 'redis-server' },
    });
    await ensureCommand('redis-server', { apt: 'redis-server', why: 'for the stack' }, system);
    expect(ran).toEqual(['sudo -n apt-get update -q', 'sudo -n apt-get install -y -q redis-server']);
  });

  it('neither root nor sudo: throws with the one command to type, installing nothing', async () => {
    const { system, ran } = fakeSystem({ present: ['apt-get'] });
    await expect(ensureCommand('chromium', chromium, system)).rejects.toThrow(
      'chromium is not installed (needed for the browser test); install it with: sudo apt-get update && sudo apt-get install -y chromium',
    );
    expect(ran).toEqual([]);
  });

  it('uses dnf where there is no apt-get, and Homebrew without root', async () => {
    const dnf = fakeSystem({ present: ['dnf'], root: true, installs: { chromium: 'chromium' } });
    await ensureCommand('chromium', chromium, dnf.system);
    expect(dnf.ran).toEqual(['dnf install -y chromium']);
    const brew = fakeSystem({ present: ['brew'], installs: { chromium: 'chromium' } });
    await ensureCommand('chromium', chromium, brew.system);
    expect(brew.ran).toEqual(['brew install chromium']);
  });

  it('a failed install, or one that does not bring the command, is an error naming what to type', async () => {
    const failing = fakeSystem({ present: ['apt-get'], root: true, fail: 'install' });
    await expect(ensureCommand('chromium', chromium, failing.system)).rejects.toThrow(
      /`apt-get install -y -q chromium` failed \(exit 100\): install it with: sudo apt-get/,
    );
    const wrongName = fakeSystem({ present: ['apt-get'], root: true });
    await expect(ensureCommand('chromium', chromium, wrongName.system)).rejects.toThrow(
      /installed the package but chromium is still not on PATH/,
    );
  });

  it('with no package manager it knows, names the packages to install by hand', async () => {
    const { system } = fakeSystem({ root: true });
    await expect(ensureCommand('chromium', { apt: 'chromium', why: 'for the browser test' }, system)).rejects.toThrow(
      /no package manager found for it here: install it by hand \(apt: chromium\)/,
    );
  });

  it('the real system finds what is on PATH', () => {
    expect(realSystem.which('node')).toMatch(/node$/);
    expect(realSystem.which('surely-no-such-command-here')).toBeUndefined();
  });
});

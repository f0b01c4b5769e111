// A command the project needs from the operating system (chromium for the browser test,
// redis-server for the stack): found on PATH, or installed from the system's packages when this
// process may install them (root, or passwordless sudo), or else a clear error naming the one
// command to type.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface PackageNames {
  /** Debian/Ubuntu package (apt-get). */
  apt?: string;
  /** Fedora/RHEL package (dnf). */
  dnf?: string;
  /** Homebrew formula. */
  brew?: string;
  /** What the project needs the command for: said when installing, and in the error. */
  why: string;
}

/** What ensureCommand touches on the machine; tests replace it. */
export interface SystemAccess {
  /** The command's absolute path, or undefined when it is not on PATH. */
  which(command: string): string | undefined;
  /** Runs a command to its end (output shown); resolves with its exit code. */
  run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number>;
  isRoot(): boolean;
  /** True when `sudo -n true` succeeds: sudo without a password prompt. */
  canSudo(): boolean;
  log(text: string): void;
  now(): number;
}

function onPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export const realSystem: SystemAccess = {
  which: (command) => onPath(command),
  run: (command, args, env) =>
    new Promise((resolve) => {
      const child = spawn(command, args, {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, ...env },
      });
      child.once('error', () => resolve(127));
      child.once('exit', (code) => resolve(code ?? 1));
    }),
  isRoot: () => process.getuid?.() === 0,
  // The environment is passed as run() passes it: the sudo found on PATH is the one asked.
  canSudo: () => onPath('sudo') !== undefined && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', env: process.env }).status === 0,
  log: (text) => process.stderr.write(`${text}\n`),
  now: () => Date.now(),
};

interface Plan {
  manager: string;
  steps: [string, string[]][];
  /** What a person would type. */
  typed: string;
}

function installPlan(packages: PackageNames, system: SystemAccess): Plan | undefined {
  if (packages.apt && system.which('apt-get')) {
    const install = ['apt-get', 'install', '-y', '-q', packages.apt];
    return {
      manager: 'apt-get',
      steps: [
        ['apt-get', ['update', '-q']],
        ['apt-get', install.slice(1)],
      ],
      typed: `sudo apt-get update && sudo apt-get install -y ${packages.apt}`,
    };
  }
  if (packages.dnf && system.which('dnf'))
    return {
      manager: 'dnf',
      steps: [['dnf', ['install', '-y', packages.dnf]]],
      typed: `sudo dnf install -y ${packages.dnf}`,
    };
  if (packages.brew && system.which('brew'))
    return {
      manager: 'brew',
      steps: [['brew', ['install', packages.brew]]],
      typed: `brew install ${packages.brew}`,
    };
  return undefined;
}

/**
 * The path of `command`, installing its package first when it is missing and this process may
 * (root or passwordless sudo for apt-get and dnf; Homebrew needs neither). Throws, naming the
 * command to type, when it may not or the install did not bring the command.
 */
export async function ensureCommand(command: string, packages: PackageNames, system: SystemAccess = realSystem): Promise<string> {
  const found = system.which(command);
  if (found) return found;
  const plan = installPlan(packages, system);
  const missing = `${command} is not installed (needed ${packages.why})`;
  if (!plan) {
    const names = [
      packages.apt && `apt: ${packages.apt}`,
      packages.dnf && `dnf: ${packages.dnf}`,
      packages.brew && `brew: ${packages.brew}`,
    ]
      .filter(Boolean)
      .join(', ');
    throw new Error(`${missing}; no package manager found for it here: install it by hand (${names || 'no package known'})`);
  }
  const asRoot = plan.manager === 'brew' || system.isRoot();
  const viaSudo = !asRoot && system.canSudo();
  if (!asRoot && !viaSudo) throw new Error(`${missing}; install it with: ${plan.typed}`);
  const began = system.now();
  system.log(`${command} is missing (needed ${packages.why}): installing it with ${plan.manager}${viaSudo ? ' via sudo' : ''}...`);
  for (const [tool, args] of plan.steps) {
    const [file, argv] = viaSudo ? ['sudo', ['-n', tool, ...args]] : [tool, args];
    system.log(`  $ ${[file, ...argv].join(' ')}`);
    const code = await system.run(file, argv, plan.manager === 'apt-get' ? { DEBIAN_FRONTEND: 'noninteractive' } : undefined);
    if (code !== 0) throw new Error(`${missing}; \`${[tool, ...args].join(' ')}\` failed (exit ${code}): install it with: ${plan.typed}`);
  }
  const installed = system.which(command);
  if (!installed) throw new Error(`${missing}; ${plan.manager} installed the package but ${command} is still not on PATH`);
  system.log(`${command} installed in ${((system.now() - began) / 1000).toFixed(1)} s: ${installed}`);
  return installed;
}

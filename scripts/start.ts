// `npm start`: Redis, the local SQS endpoint and `serverless offline`, each a real process.
// Ctrl-C, SIGTERM or SIGHUP stops them in reverse order; Redis keeps its data for the next start.
//
// The work is done by scripts/stack/launcher.ts, in a process group of its own; this process only
// passes signals on and exits with its code. `npm start` runs us under npm, sh and tsx's own
// wrapper process, which all react to a signal to the group: tsx re-sends a signal it thinks we
// missed and SIGKILLs us if we still do not answer within milliseconds, which a loaded machine
// makes likely. Whatever happens to this process, the launcher finishes the stop (it watches our
// stdin pipe, which closes however we end).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const LAUNCHER = join(__dirname, 'stack', 'launcher.ts');

const launcher = spawn(process.execPath, ['--import', 'tsx', LAUNCHER], {
  stdio: ['pipe', 'inherit', 'inherit'],
  detached: true,
});
launcher.stdin?.on('error', () => {});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    try {
      process.kill(launcher.pid!, signal);
    } catch {
      /* already gone: its exit ends us too */
    }
  });
}
// A terminal that went away must not turn a write error into our exit.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

launcher.once('error', (error) => {
  console.error(`sagashop could not start its launcher: ${error.message}`);
  process.exit(1);
});
launcher.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

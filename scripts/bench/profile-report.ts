// The Markdown of `npm run bench -- --profile`'s report (scripts/bench/profile.ts).
import type { CpuRow } from './proc-cpu';
import type { ProfileReport } from './profile';

const f = (value: number, places = 2) => (Number.isFinite(value) ? value.toFixed(places) : '–');
const percent = (share: number) => `${Math.round(share * 100)} %`;

/** Rows by name, one column pair per phase. */
function byPhase(title: string, phases: { clients: number; rows: CpuRow[]; total: number }[]): string[] {
  const names = [...new Set(phases.flatMap((phase) => phase.rows.map((row) => row.name)))];
  const header = `| ${title} | ${phases.map((p) => `${p.clients} client(s): ms/checkout | share`).join(' | ')} |`;
  const lines = [header, `|---|${phases.map(() => '---|---|').join('')}`];
  for (const name of names) {
    const cells = phases.map((phase) => {
      const row = phase.rows.find((r) => r.name === name);
      return row ? `${f(row.msPerCheckout, 3)} | ${percent(row.share)}` : '– | –';
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  lines.push(`| **total** | ${phases.map((p) => `**${f(p.total, 3)}** | 100 %`).join(' | ')} |`);
  return lines;
}

/** A few lines per profiled thread for the console: its top families and functions. */
export function functionsDigest(report: ProfileReport, functions = 5): string {
  const out: string[] = [];
  for (const phase of report.functions) {
    out.push(`Functions at ${phase.clients} client(s) (shares of each thread's busy samples):`);
    for (const thread of phase.threads) {
      out.push(
        `  ${thread.name}, ${f(thread.cpuMsPerCheckout, 3)} ms CPU/checkout: ${thread.summary.families
          .slice(0, 5)
          .map((row) => `${row.name} ${percent(row.share)}`)
          .join(', ')}`,
      );
      for (const row of thread.summary.functions.slice(0, functions)) out.push(`      ${percent(row.share).padStart(5)}  ${row.name}`);
    }
  }
  return out.join('\n');
}

export function profileMarkdown(report: ProfileReport): string {
  const out: string[] = [];
  out.push(`# Profile of a checkout, ${report.when}`, '');
  out.push(
    `Commit ${report.commit}; ${report.load}; phases ${report.settings.phases} after a ${report.settings.warmupSeconds} s warm-up. Command: \`npm run bench -- --profile\`.`,
    '',
  );
  out.push('## CPU per checkout by process (/proc utime + stime, plain stack)', '');
  for (const phase of report.phases) {
    out.push(
      `- ${phase.clients} client(s): ${phase.checkouts} checkouts in ${f(phase.seconds, 1)} s (${Math.round(phase.checkouts / phase.seconds)}/s), ${f(phase.cpu.coresBusy)} cores busy, ${f(phase.cpu.totalMsPerCheckout, 3)} ms CPU per checkout`,
    );
  }
  if (report.idle) {
    const parts = report.idle.processes.map((row) => `${row.name} ${f(row.msPerCheckout, 1)}`).join(', ');
    out.push(`- the idle stack (no checkouts, after the warm-up): ${f(report.idle.totalMsPerCheckout, 1)} ms CPU per second (${parts})`);
  }
  out.push('');
  const cpuTable = (label: string, rows: (phase: (typeof report.phases)[number]) => Parameters<typeof byPhase>[1][number]['rows']) =>
    byPhase(
      label,
      report.phases.map((p) => ({ clients: p.clients, rows: rows(p), total: p.cpu.totalMsPerCheckout })),
    );
  out.push(...cpuTable('process', (p) => p.cpu.processes), '');
  out.push('## CPU per checkout by thread', '');
  out.push(...cpuTable('process / thread', (p) => p.cpu.threads), '');
  out.push("## Redis per checkout (INFO commandstats; a script's time includes the commands it runs)", '');
  for (const phase of report.phases) {
    if (!phase.redis) continue;
    const counters = Object.entries(phase.redis.counters)
      .map(([name, value]) => `${name} ${f(value)}`)
      .join(', ');
    out.push(
      `${phase.clients} client(s): ${f(phase.redis.commandsPerCheckout)} commands per checkout (total_commands_processed); ${counters}`,
      '',
    );
    out.push('| command | calls/checkout | µs/checkout | µs/call |', '|---|---|---|---|');
    for (const row of phase.redis.commands)
      out.push(`| ${row.command} | ${f(row.callsPerCheckout)} | ${f(row.usecPerCheckout, 1)} | ${f(row.usecPerCall, 1)} |`);
    out.push('');
  }
  if (report.hops) {
    out.push(
      `## One checkout's latency by hop (1 client, idle stack, ${report.hops.checkouts} checkouts; median of the whole request ${f(report.hops.medianTotalMs)} ms)`,
      '',
    );
    out.push('| hop | median ms | p90 ms | checkouts |', '|---|---|---|---|');
    for (const hop of report.hops.hops) out.push(`| ${hop.hop} | ${f(hop.medianMs)} | ${f(hop.p90Ms)} | ${hop.count} |`);
    out.push(`| **sum of the medians** | ${f(report.hops.hops.reduce((sum, hop) => sum + hop.medianMs, 0))} | | |`, '');
    out.push('Beside the path:', '', '| span | median ms | p90 ms | checkouts |', '|---|---|---|---|');
    for (const hop of report.hops.beside) out.push(`| ${hop.hop} | ${f(hop.medianMs)} | ${f(hop.p90Ms)} | ${hop.count} |`);
    out.push('');
  }
  out.push('## Functions (node --cpu-prof; self time; the sampling inflates CPU)', '');
  for (const phase of report.functions) {
    out.push(
      `### ${phase.clients} client(s), ${phase.checkouts} checkouts (CPU of this profiled run: ${f(phase.inflatedTotalMsPerCheckout, 3)} ms/checkout by /proc)`,
      '',
    );
    for (const thread of phase.threads) {
      const { summary } = thread;
      // Shares of the thread's samples, applied to its /proc CPU (samples are wall-clock ticks).
      const cpu = (share: number) => f(share * thread.cpuMsPerCheckout, 3);
      out.push(
        `#### ${thread.name}: ${f(thread.cpuMsPerCheckout, 3)} ms CPU per checkout (/proc, this run); samples ${f(summary.busyMs, 0)} ms busy, ${f(summary.idleMs, 0)} ms idle`,
        '',
      );
      out.push('| family | ms CPU/checkout | share |', '|---|---|---|');
      for (const row of summary.families.slice(0, 12)) out.push(`| ${row.name} | ${cpu(row.share)} | ${percent(row.share)} |`);
      out.push('', '| package / group | ms CPU/checkout | share |', '|---|---|---|');
      for (const row of summary.groups.slice(0, 15)) out.push(`| ${row.name} | ${cpu(row.share)} | ${percent(row.share)} |`);
      out.push('', '| function (self time) | group | ms CPU/checkout | share |', '|---|---|---|---|');
      for (const row of summary.functions) out.push(`| \`${row.name}\` | ${row.group} | ${cpu(row.share)} | ${percent(row.share)} |`);
      out.push('');
    }
  }
  return `${out.join('\n')}\n`;
}

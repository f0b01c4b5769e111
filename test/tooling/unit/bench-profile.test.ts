// The pure parts of `npm run bench -- --profile` (scripts/bench/profile.ts): the /proc stat parser,
// CPU per checkout by process and thread, Redis's INFO parsing, the .cpuprofile summary and the
// hop analysis, on small fixtures.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { familyOf, groupOf, profileFileIds, summariseProfile, type CpuProfile } from '../../../scripts/bench/cpuprofile-summary';
import { analyseHops } from '../../../scripts/bench/hops';
import { cpuBetween, parseStat, roleOf, type ProcessSample } from '../../../scripts/bench/proc-cpu';
import { parseCommandStats, redisBetween, type RedisSample } from '../../../scripts/bench/redis-stats';

describe('/proc stat parsing', () => {
  it('counts fields after the last parenthesis, so a command name with spaces and parentheses cannot shift them', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ... starttime(22)
    const line = '4242 (node (a) b) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 40 0 0 20 0 11 0 98765 1000000 5000';
    expect(parseStat(line)).toEqual({ comm: 'node (a) b', ppid: 17, cpuTicks: 290, startTicks: 98765 });
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => parseStat('garbage')).toThrow(/not a \/proc stat line/);
  });

  it('names the parts of the stack by their command lines', () => {
    expect(roleOf('redis-server 127.0.0.1:6379', false)).toBe('redis-server');
    expect(
      roleOf('/usr/bin/node --require /w/scripts/stack/lifeline.cjs /w/packages/sqs-endpoint/bin/sqs-endpoint.cjs --port 1', false),
    ).toBe('SQS endpoint');
    expect(
      roleOf('/usr/bin/node --require /w/lifeline.cjs /w/node_modules/serverless/bin/serverless.js offline start --stage local', false),
    ).toBe('sls offline');
    expect(roleOf('/usr/bin/node whatever', true)).toBe('bench (load generator)');
  });
});

describe('CPU per checkout by process and thread', () => {
  const sample = (pid: number, role: string, threads: [number, number, number][]): ProcessSample => ({
    pid,
    role,
    cpuTicks: threads.reduce((sum, [, ticks]) => sum + ticks, 0),
    threads: threads.map(([tid, cpuTicks, startedAfter]) => ({ tid, comm: 'node', cpuTicks, startedAfter })),
  });

  it('divides the ticks spent between two samples by the checkouts, per process and per kind of thread', () => {
    const before = [
      sample(10, 'sls offline', [
        [10, 100, 0],
        [11, 50, 0],
        [20, 200, 5],
      ]),
      sample(30, 'redis-server', [[30, 10, 0]]),
    ];
    const after = [
      sample(10, 'sls offline', [
        [10, 300, 0],
        [11, 60, 0],
        [20, 500, 5],
        [21, 10, 7],
      ]),
      sample(30, 'redis-server', [[30, 110, 0]]),
      // A process that started between the samples counts from zero.
      sample(40, 'bench (load generator)', [[40, 20, 0]]),
    ];
    // 10 ms per tick (CLK_TCK 100), 100 checkouts.
    const cpu = cpuBetween(before, after, 100, 10);
    expect(cpu.totalMsPerCheckout).toBe(((200 + 10 + 310 + 100 + 20) * 10) / 100);
    expect(cpu.processes.map((row) => [row.name, row.msPerCheckout])).toEqual([
      ['sls offline', 52],
      ['redis-server', 10],
      ['bench (load generator)', 2],
    ]);
    expect(Object.fromEntries(cpu.threads.map((row) => [row.name, row.msPerCheckout]))).toEqual({
      'sls offline / worker thread(s)': 31,
      'sls offline / main thread': 20,
      'sls offline / helper threads (GC, JIT, libuv pool)': 1,
      'redis-server / main thread': 10,
      'bench (load generator) / main thread': 2,
    });
    expect(cpu.coresBusy).toBe(0.64);
    expect(cpu.processes[0].share).toBe(0.813);
  });
});

describe('Redis counters', () => {
  const info = (evalsha: number, hget: number) =>
    `# Commandstats\r\ncmdstat_evalsha:calls=${evalsha},usec=${evalsha * 50},usec_per_call=50.00,rejected_calls=0,failed_calls=0\r\ncmdstat_hget:calls=${hget},usec=${hget * 2},usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\n`;

  it('reads calls and time per command from INFO commandstats', () => {
    expect(parseCommandStats(info(4, 8))).toEqual(
      new Map([
        ['evalsha', { calls: 4, usec: 200 }],
        ['hget', { calls: 8, usec: 16 }],
      ]),
    );
  });

  it('gives calls and microseconds per checkout between two samples, most time first', () => {
    const at = (evalsha: number, hget: number, total: number): RedisSample => ({
      commands: parseCommandStats(info(evalsha, hget)),
      totalCommands: total,
      counters: new Map([['total_reads_processed', total]]),
    });
    const perCheckout = redisBetween(at(4, 8, 100), at(404, 1208, 5100), 100);
    expect(perCheckout.commands).toEqual([
      { command: 'evalsha', callsPerCheckout: 4, usecPerCheckout: 200, usecPerCall: 50 },
      { command: 'hget', callsPerCheckout: 12, usecPerCheckout: 24, usecPerCall: 2 },
    ]);
    expect(perCheckout.commandsPerCheckout).toBe(50);
    expect(perCheckout.counters).toEqual({ total_reads_processed: 50 });
  });
});

describe('the .cpuprofile summary', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4, 5] },
      { id: 2, callFrame: frame('(idle)', '') },
      { id: 3, callFrame: frame('signer', 'file:///w/node_modules/@aws-sdk/core/dist-cjs/index.js') },
      { id: 4, callFrame: frame('answer', 'file:///w/packages/sqs-endpoint/src/http.ts') },
      { id: 5, callFrame: frame('(garbage collector)', '') },
    ],
    startTime: 1_000,
    endTime: 1_000 + 6 * 1_000,
    // One sample a millisecond: idle, signer, signer, answer, GC, signer.
    samples: [2, 3, 3, 4, 5, 3],
    timeDeltas: [0, 1_000, 1_000, 1_000, 1_000, 1_000],
  };

  it('adds self time by function and by package, leaving idle time out of the shares', () => {
    const summary = summariseProfile(profile);
    expect(summary).toMatchObject({ sampledMs: 6, idleMs: 1, busyMs: 5 });
    expect(summary.functions.map((row) => [row.name, row.ms, row.share])).toEqual([
      ['signer @aws-sdk/core/dist-cjs/index.js:10', 3, 0.6],
      ['answer packages/sqs-endpoint/src/http.ts:10', 1, 0.2],
      ['(garbage collector)', 1, 0.2],
    ]);
    expect(summary.groups.map((row) => row.name)).toEqual(['@aws-sdk/core', 'packages/sqs-endpoint', 'GC']);
    expect(summary.families[0]).toEqual({ name: 'AWS SDK v3 (@aws-sdk, @smithy)', ms: 3, share: 0.6 });
  });

  it('counts only the samples inside the window', () => {
    // Samples at 1000 (idle), 2000, 3000 (signer), 4000 (answer), 5000 (GC), 6000 (signer).
    const summary = summariseProfile(profile, { from: 3_500, to: 5_500 });
    expect(summary.functions.map((row) => row.name)).toEqual(['answer packages/sqs-endpoint/src/http.ts:10', '(garbage collector)']);
    expect(summary.busyMs).toBe(2);
  });

  it('groups scripts by package, ours by folder', () => {
    expect(groupOf(frame('f', 'file:///w/node_modules/@smithy/core/dist-cjs/x.js'))).toBe('@smithy/core');
    expect(groupOf(frame('f', 'file:///w/node_modules/serverless-offline/src/x.js'))).toBe('serverless-offline');
    expect(groupOf(frame('f', 'file:///w/node_modules/@sagashop/offline-sqs/src/x.ts'))).toBe('packages/offline-sqs');
    expect(groupOf(frame('f', 'node:internal/streams/readable'))).toBe('node internals');
    expect(groupOf(frame('f', 'file:///w/.esbuild-test-1/.build/functions/saga/reserve-stock.js'))).toBe(
      'our bundled handlers (functions/ + lib/)',
    );
    expect(groupOf(frame('writev', ''))).toBe('V8 builtins (native)');
    expect(familyOf('@hapi/hapi')).toBe('hapi (@hapi/*)');
    expect(familyOf('redis-parser')).toBe('ioredis');
  });

  it("reads the pid and Node thread id from node's file name", () => {
    expect(profileFileIds('CPU.20261207.055303.7682.1.003.cpuprofile')).toEqual({ pid: 7682, thread: 1 });
    expect(profileFileIds('notes.txt')).toBeNull();
  });
});

describe('one checkout by hop', () => {
  // One checkout of order 7 (saga s1) through two steps, times in ms.
  const trace = [
    '1002.000 checkout-start 7',
    '1003.000 begun 7 s1',
    '1003.500 sending s1 reserve-stock',
    '1005.000 received m1',
    '1005.200 step-start m1 s1 reserve-stock',
    '1006.000 sent s1 reserve-stock',
    '1007.000 step-done s1 reserve-stock',
    '1007.100 sending s1 complete-order',
    '1009.000 received m2',
    '1009.100 step-start m2 s1 complete-order',
    '1010.000 sent s1 complete-order',
    '1011.000 woken s1',
    '1011.500 step-done s1 complete-order',
    '1012.000 verdict s1',
    'unrelated half line',
  ].join('\n');

  it('follows the path from the request to the answer, and the spans beside it', () => {
    const report = analyseHops(trace, [
      { order: '7', sent: 1000, answered: 1013 },
      { order: '8', sent: 1, answered: 2 },
    ]);
    expect(report.checkouts).toBe(1);
    expect(report.medianTotalMs).toBe(13);
    expect(report.hops.map((row) => [row.hop, row.medianMs])).toEqual([
      ['request sent → checkout starts', 2],
      ['checkout starts → saga begun', 1],
      ['saga begun → sending reserve-stock', 0.5],
      ['sending reserve-stock → received reserve-stock', 1.5],
      ['received reserve-stock → reserve-stock starts', 0.2],
      ['reserve-stock starts → reserve-stock done', 1.8],
      ['reserve-stock done → sending complete-order', 0.1],
      ['sending complete-order → received complete-order', 1.9],
      ['received complete-order → complete-order starts', 0.1],
      ['complete-order starts → verdict published to the checkout', 1.9],
      ['verdict published to the checkout → verdict read', 1],
      ['verdict read → answer received', 1],
    ]);
    expect(report.hops.reduce((sum, row) => sum + row.medianMs, 0)).toBeCloseTo(13);
    expect(report.beside.map((row) => [row.hop, row.medianMs])).toEqual([
      ["sending reserve-stock → sent reserve-stock (the sender's wait)", 2.5],
      ["sending complete-order → sent complete-order (the sender's wait)", 2.9],
      ["complete-order starts → complete-order done (its script's reply back)", 2.4],
    ]);
  });
});

describe('the hop trace points (lib/lambda/trace.ts)', () => {
  const load = (file: string | undefined) => {
    const saved = process.env.SAGASHOP_TRACE_FILE;
    if (file === undefined) delete process.env.SAGASHOP_TRACE_FILE;
    else process.env.SAGASHOP_TRACE_FILE = file;
    try {
      let traceHop: ((point: string, ...ids: string[]) => void) | undefined;
      jest.isolateModules(() => ({ traceHop } = require('../../../lib/lambda/trace')));
      return traceHop;
    } finally {
      if (saved === undefined) delete process.env.SAGASHOP_TRACE_FILE;
      else process.env.SAGASHOP_TRACE_FILE = saved;
    }
  };

  it('are off (undefined) unless SAGASHOP_TRACE_FILE is set', () => {
    expect(load(undefined)).toBeUndefined();
  });

  it('append one line per point, with a sub-millisecond wall-clock time, that the hop analysis reads', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'trace-')), 'hops.trace');
    const traceHop = load(file)!;
    const before = Date.now();
    traceHop('begun', '7', 's1');
    traceHop('woken', 's1');
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    expect(lines.map(([, ...rest]) => rest)).toEqual([
      ['begun', '7', 's1'],
      ['woken', 's1'],
    ]);
    expect(Number(lines[0][0])).toBeGreaterThanOrEqual(before - 1);
    expect(lines[0][0]).toMatch(/^\d+\.\d{3}$/);
  });
});

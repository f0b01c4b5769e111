import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { SAGA } from '@lib/saga/definition';
import { operatorTemplate } from '../../deploy/operator';
import { stepFunctions } from '../../deploy/saga-template';
import { DEPLOYED_BUILD_DEFINE } from '../../lib/clients/config';
import { freePort } from '../../scripts/stack/free-port';
import { ROUTE_OF, httpEvent, scheduledEvent } from './support/events';

// Every function, bundled as serverless-esbuild bundles it, loaded by a plain node with nothing
// configured: no REDIS_URL, no queue URLs. Loading must not throw (a module that throws while
// loading is answered 200 with its stack by serverless-offline, and fails every cold start on
// AWS), and every invocation must fail cleanly: an HTTP route with a JSON error status and no
// internals, a saga step by reporting its record failed, the replay by not claiming to have run.
// Deployed bundles have no default Redis; local ones default to 127.0.0.1:6390, which may be a
// running `npm start`, so they get a Redis URL where nothing listens instead.

const ROOT = join(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'sagashop-unconfigured-'));
// serverless.yml's functions are a list: the routes and the replay as written, and the saga's
// steps as generated from its declaration.
// The operator's API is there on AWS stages only (deploy/operator.ts).
const GENERATED: Record<string, Record<string, unknown>> = {
  '${file(./deploy/saga.cjs):functions}': stepFunctions(SAGA),
  '${file(./deploy/operator.cjs):functions}': operatorTemplate(SAGA, 'prod').functions,
};
const functions = Object.entries(
  Object.assign(
    {},
    ...(parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')).functions as unknown[]).map((part) => {
      if (typeof part !== 'string') return part;
      if (!GENERATED[part]) throw new Error(`serverless.yml's functions name ${part}: tell this test what it generates`);
      return GENERATED[part];
    }),
  ) as Record<string, { handler: string }>,
);

const RUNNER = `
const fs = require('node:fs');
const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const context = { functionName: 'test', awsRequestId: 'test', getRemainingTimeInMillis: () => 10000 };
const within = (promise) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 20 s')), 20000))]);
Promise.all(cases.map(async (c) => {
  let handler;
  try { handler = require(c.file)[c.exportName]; } catch (error) { return [c.name, { importError: String(error && error.stack) }]; }
  try { return [c.name, { result: await within(handler(c.event, context)) }]; } catch (error) { return [c.name, { threw: String(error && error.message) }]; }
})).then((entries) => { fs.writeFileSync(process.argv[3], JSON.stringify(Object.fromEntries(entries))); process.exit(0); });
`;

type Outcome = { importError?: string; threw?: string; result?: any };

function eventFor(name: string): unknown {
  const route = ROUTE_OF[name];
  if (route) {
    const params = Object.fromEntries([...route.matchAll(/\{(\w+)\}/g)].map(([, param]) => [param, '1']));
    return httpEvent('2.0', route, params, '$default');
  }
  if (name === 'replayLog') return scheduledEvent('arn:aws:events:us-east-1:123456789012:rule/replay');
  const body = JSON.stringify({
    sagaId: 'x1',
    orderId: 'x2',
    userId: 'x3',
    lines: [['x4', 1]],
    totalCost: 1,
    deadlineAt: Date.now() + 60_000,
  });
  return {
    Records: [
      {
        messageId: 'm1',
        receiptHandle: 'r1',
        body,
        attributes: { ApproximateReceiveCount: '1' },
        messageAttributes: {},
        eventSource: 'aws:sqs',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

async function runUnconfigured(variant: 'deployed' | 'local', env: NodeJS.ProcessEnv): Promise<Record<string, Outcome>> {
  const outdir = join(tmp, variant);
  const entries = [...new Set(functions.map(([, fn]) => fn.handler.slice(0, fn.handler.lastIndexOf('.'))))];
  await build({
    entryPoints: Object.fromEntries(entries.map((entry) => [entry, join(ROOT, `${entry}.ts`)])),
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    plugins: require('../../scripts/lua/esbuild-plugin.cjs'),
    logLevel: 'silent',
    ...(variant === 'deployed' ? { define: DEPLOYED_BUILD_DEFINE, minifySyntax: true } : {}),
  });
  const cases = functions.map(([name, fn]) => {
    const dot = fn.handler.lastIndexOf('.');
    return {
      name,
      file: join(outdir, `${fn.handler.slice(0, dot)}.js`),
      exportName: fn.handler.slice(dot + 1),
      event: eventFor(name),
    };
  });
  writeFileSync(join(tmp, 'runner.cjs'), RUNNER);
  writeFileSync(join(tmp, `${variant}-cases.json`), JSON.stringify(cases));
  const results = join(tmp, `${variant}-results.json`);
  await promisify(execFile)(process.execPath, [join(tmp, 'runner.cjs'), join(tmp, `${variant}-cases.json`), results], {
    cwd: tmp,
    env,
    timeout: 60_000,
  });
  return JSON.parse(readFileSync(results, 'utf8'));
}

function expectCleanFailure(name: string, outcome: Outcome): void {
  expect({ name, importError: outcome.importError }).toEqual({ name, importError: undefined });
  if (ROUTE_OF[name]) {
    const { statusCode, headers, body } = outcome.result ?? {};
    expect({ name, threw: outcome.threw, error: statusCode >= 400 && statusCode <= 599 }).toEqual({
      name,
      threw: undefined,
      error: true,
    });
    expect({ name, type: headers?.['Content-Type'] }).toEqual({ name, type: 'application/json' });
    expect({ name, keys: Object.keys(JSON.parse(body)) }).toEqual({ name, keys: ['error'] });
    expect({ name, body }).not.toEqual({
      name,
      body: expect.stringMatching(/stack|errorMessage|\bat \S+ \(|\/work|\.js|\.ts/),
    });
  } else if (name === 'replayLog') {
    expect({ name, claimsToHaveRun: outcome.result?.ran === true }).toEqual({ name, claimsToHaveRun: false });
  } else {
    // The record is retried: either reported failed or the whole batch thrown.
    const failed =
      outcome.threw !== undefined || JSON.stringify(outcome.result) === JSON.stringify({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect({ name, failed, outcome }).toEqual({ name, failed: true, outcome });
  }
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('every function with nothing configured', () => {
  it('deployed build, empty environment: loads, and every invocation fails cleanly', async () => {
    const results = await runUnconfigured('deployed', { PATH: process.env.PATH });
    expect(Object.keys(results).sort()).toEqual(functions.map(([name]) => name).sort());
    expect(Object.keys(results)).toEqual(expect.arrayContaining(['checkout', 'reserveStock', 'releaseStock', 'replayLog']));
    for (const [name, outcome] of Object.entries(results)) expectCleanFailure(name, outcome);
    expect(results.checkout.result.statusCode).toBe(500);
  }, 120_000);

  it('local build, a Redis that is not there and no queue URLs: loads, and every invocation fails cleanly', async () => {
    const results = await runUnconfigured('local', {
      PATH: process.env.PATH,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    for (const [name, outcome] of Object.entries(results)) expectCleanFailure(name, outcome);
  }, 120_000);
});

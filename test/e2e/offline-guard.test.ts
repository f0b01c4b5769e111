import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack/free-port';
import { exitWithin, runOffline, waitForRoute, type OfflineRun } from '../support/offline-process';

// serverless-offline 13 answers a route whose module failed to load, or whose handler rejected,
// with status 200 and a body of errorMessage and stack trace. Through our companion plugin every
// such failure must be a JSON 500 that shows nothing of the code: the service in offline-guard/
// has one route per way to fail, and one that works. A request no route takes is a JSON 404 that
// names neither the framework nor the gateway's routes (serverless-offline's own lists them all).

const SERVICE = join(__dirname, 'offline-guard');
const esbuildFolder = `.esbuild-test-${process.pid}-${Date.now()}`;
const tmp = mkdtempSync(join(tmpdir(), 'sagashop-guard-'));
let run: OfflineRun;
let api: string;

beforeAll(async () => {
  const broken = join(tmp, 'broken.cjs');
  writeFileSync(broken, 'module.exports = { this is not javascript\n');
  const httpPort = await freePort();
  api = `http://127.0.0.1:${httpPort}`;
  run = runOffline(SERVICE, {
    ...process.env,
    HTTP_PORT: String(httpPort),
    LAMBDA_PORT: String(await freePort()),
    // The test's own servers: the plugin starts nothing.
    REDIS_URL: process.env.TEST_REDIS_BASE_URL,
    DATA_DIR: join(tmp, 'data'),
    ESBUILD_WORK_FOLDER: esbuildFolder,
    GUARD_TEST_BROKEN_FILE: broken,
  });
  await waitForRoute(run, `${api}/answers`, 200, 120_000);
}, 150_000);

afterAll(async () => {
  if (run) {
    void run.stop();
    await exitWithin(run, 30_000).catch(() => undefined);
  }
  rmSync(join(SERVICE, esbuildFolder), { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
}, 40_000);

describe('serverless offline with the companion plugin', () => {
  it.each([
    ['a module that throws while it loads', '/throws-at-import'],
    ['a module that loads a file with a syntax error', '/loads-broken-file'],
    ['a handler whose promise rejects', '/rejects'],
  ])('answers %s with a JSON 500 without stack, message or file paths, every time', async (_what, path) => {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await fetch(`${api}${path}`);
      const text = await response.text();
      expect({ path, status: response.status, type: response.headers.get('content-type') }).toEqual({
        path,
        status: 500,
        type: expect.stringMatching(/^application\/json/),
      });
      expect(Object.keys(JSON.parse(text))).toEqual(['error']);
      expect(text).not.toMatch(/stack|errorMessage|errorType|\/work|\.ts|\.js|at import|inside the handler|SyntaxError/i);
    }
  });

  it('still serves a working export of a guarded module unchanged', async () => {
    const response = await fetch(`${api}/answers`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it.each([
    ['a path that is no route', 'GET', '/no/such/path'],
    ['the root path', 'GET', '/'],
    ['a route with a method it does not take', 'POST', '/answers'],
    ['a route with DELETE', 'DELETE', '/rejects'],
  ])('answers %s with a JSON 404 that names neither the framework nor any route', async (_what, method, path) => {
    const response = await fetch(`${api}${path}`, { method });
    const text = await response.text();
    expect({ method, path, status: response.status, type: response.headers.get('content-type') }).toEqual({
      method,
      path,
      status: 404,
      type: expect.stringMatching(/^application\/json/),
    });
    expect(JSON.parse(text)).toEqual({ error: expect.any(String) });
    expect(text).not.toMatch(/serverless|offline|existingRoutes|currentRoute|answers|rejects|throws-at-import|loads-broken-file/i);
  });

  it('logs the cause on the server side', () => {
    expect(run.output()).toMatch(/throwsAtImport: its code could not be loaded, answering 500: Error: RESERVE_STOCK_QUEUE_URL/);
    expect(run.output()).toMatch(/loadsBrokenFile: its code could not be loaded, answering 500: .*SyntaxError/s);
    expect(run.output()).toMatch(/rejects: the handler failed, answering 500/);
  });
});

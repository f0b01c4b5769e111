import fs, { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGuards } from '../../../scripts/offline/guard-files';

// serverless-offline's own loader (what its in-process runner calls on every invocation), run on
// the stand-ins the companion plugin writes: it must find the stand-in at the first path it tries,
// without searching the project's folders and reading a package.json each time.
const USER_FUNCTION = join(
  __dirname,
  '../../../node_modules/serverless-offline/src/lambda/handler-runner/in-process-runner/aws-lambda-ric/UserFunction.js',
);
const { load } = require(USER_FUNCTION) as {
  load: (appRoot: string, handler: string) => Promise<(event: unknown) => Promise<unknown>>;
};

const codeDir = mkdtempSync(join(tmpdir(), 'sagashop-guards-'));
afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

it('serves a guarded handler that serverless-offline finds with one look per invocation', async () => {
  mkdirSync(join(codeDir, 'functions/http/stock'), { recursive: true });
  writeFileSync(
    join(codeDir, 'functions/http/stock/find-item.js'),
    'exports.handler = async () => ({ statusCode: 200, body: "found" });\n',
  );
  writeFileSync(join(codeDir, 'package.json'), '{"name": "the project"}\n');
  const folder = writeGuards(codeDir, [{ functionKey: 'findItem', handler: 'functions/http/stock/find-item.handler', http: true }]);

  const looked: string[] = [];
  const existsSync = fs.existsSync;
  const exists = jest.spyOn(fs, 'existsSync').mockImplementation((path) => {
    looked.push(String(path));
    return existsSync(path);
  });
  try {
    for (let invocation = 0; invocation < 2; invocation += 1) {
      const handler = await load(folder, join(folder, 'functions/http/stock/find-item.handler'));
      expect(await handler({})).toEqual({ statusCode: 200, body: 'found' });
    }
  } finally {
    exists.mockRestore();
  }
  const standIn = join(folder, 'functions/http/stock/find-item');
  expect(looked).toEqual([standIn, standIn]);
});

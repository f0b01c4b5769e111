import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The import boundaries of eslint.config.mjs (scripts/lint/boundaries.cjs): lib/domain stays free of
 * Redis, AWS, the network and the outer layers. ESLint runs in a child process because jest cannot
 * load the .mjs config; type-aware rules are switched off there, so a snippet lints in milliseconds.
 */

const ROOT = join(__dirname, '..', '..');

type Snippet = { filePath: string; code: string };
type Finding = { ruleId: string | null; message: string };

const LINT_SNIPPETS = `
const { ESLint } = require('eslint');
const tseslint = require('typescript-eslint');
const { storeImports } = require('./scripts/lint/boundaries.cjs');
const snippets = JSON.parse(process.argv[1]);
(async () => {
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfig: [
      tseslint.configs.disableTypeChecked,
      // The store's rule waits, off, for lib/store to stop importing lib/saga: check its definition.
      { files: ['lib/store/**'], rules: { 'no-restricted-imports': ['error', storeImports] } },
    ],
  });
  const findings = [];
  for (const { filePath, code } of snippets) {
    const [result] = await eslint.lintText(code, { filePath });
    findings.push(result.messages.map(({ ruleId, message }) => ({ ruleId, message })));
  }
  process.stdout.write(JSON.stringify(findings));
})().catch((error) => { console.error(error); process.exit(1); });
`;

async function lint(snippets: Snippet[]): Promise<Finding[][]> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', LINT_SNIPPETS, JSON.stringify(snippets)], { cwd: ROOT });
  return JSON.parse(stdout) as Finding[][];
}

const inDomain = (code: string): Snippet => ({ filePath: 'lib/domain/boundary-probe.ts', code });
const inStore = (code: string): Snippet => ({ filePath: 'lib/store/boundary-probe.ts', code });
const used = (name: string) => `\nexport const probe = ${name};\n`;

const refused = [
  inDomain(`import Redis from 'ioredis';${used('Redis')}`),
  inDomain(`import Redlock from 'redlock';${used('Redlock')}`),
  inDomain(`import { SQSClient } from '@aws-sdk/client-sqs';${used('SQSClient')}`),
  inDomain(`import middy from '@middy/core';${used('middy')}`),
  inDomain(`import { request } from 'node:http';${used('request')}`),
  inDomain(`import { connect } from 'net';${used('connect')}`),
  inDomain(`import { lookup } from 'dns/promises';${used('lookup')}`),
  inDomain(`import { findItem } from '../store/stock-store';${used('findItem')}`),
  inDomain(`import type { StepName } from '../saga/steps';\nexport type Probe = StepName;\n`),
  inDomain(`import { config } from '@lib/clients/config';${used('config')}`),
  inDomain(`import { logger } from '../lambda/observability';${used('logger')}`),
  inDomain(`import { operatorRoutes } from '../operator/routes';${used('operatorRoutes')}`),
  inStore(`import type { StepOutcome } from '../saga/steps';\nexport type Probe = StepOutcome;\n`),
  inStore(`import { operatorRoutes } from '../operator/routes';${used('operatorRoutes')}`),
];

const allowed = [
  inDomain(`import { notFound } from './errors';${used('notFound')}`),
  inDomain(`import { createHash } from 'node:crypto';${used('createHash')}`),
  inDomain(`import { sagaHistory } from './saga-history';${used('sagaHistory')}`),
  inStore(`import { notFound } from '../domain/errors';${used('notFound')}`),
  inStore(`import Redis from 'ioredis';${used('Redis')}`),
  // Outside lib/domain, the network is fine.
  { filePath: 'lib/clients/boundary-probe.ts', code: `import Redis from 'ioredis';${used('Redis')}` },
];

let findings: Finding[][];
beforeAll(async () => {
  findings = await lint([...refused, ...allowed]);
});

test.each(refused.map((snippet, index) => [snippet.filePath, snippet.code.split('\n')[0], index] as const))(
  '%s refuses %s',
  (_path, _line, index) => {
    expect(findings[index]).toEqual([expect.objectContaining({ ruleId: 'no-restricted-imports' })]);
  },
);

test.each(allowed.map((snippet, index) => [snippet.filePath, snippet.code.split('\n')[0], refused.length + index] as const))(
  '%s allows %s',
  (_path, _line, index) => {
    expect(findings[index]).toEqual([]);
  },
);

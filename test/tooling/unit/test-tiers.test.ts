// Every test file runs in exactly one tier, and `npm test` runs every tier (docs/testing.md): a file
// in a folder that no tier names would run nowhere, in CI or on a laptop, and nobody would notice.
// Which files a tier runs is asked of jest itself, from the tier's config.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SearchSource } from '@jest/core';
import { readConfig } from 'jest-config';
import Runtime from 'jest-runtime';

const ROOT = join(__dirname, '..', '..', '..');
/** Each tier's config in jest/ and the npm script that runs it alone. */
const TIERS = {
  unit: 'test:unit',
  integration: 'test:integration',
  e2e: 'test:e2e',
  deploy: 'test:deploy',
  faults: 'chaos',
} as const;
type Tier = keyof typeof TIERS;
const configFile = (tier: Tier) => join(ROOT, 'jest', `${tier}.config.js`);

function testFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFilesUnder(path);
    return entry.name.endsWith('.test.ts') ? [relative(ROOT, path)] : [];
  });
}

async function filesOfTier(tier: Tier): Promise<string[]> {
  const { globalConfig, projectConfig } = await readConfig({ _: [], $0: 'jest' }, configFile(tier));
  const context = await Runtime.createContext(projectConfig, { maxWorkers: 1, watchman: false });
  const { tests } = await new SearchSource(context).getTestPaths(globalConfig);
  return tests.map((test) => relative(ROOT, test.path));
}

it('runs every test file under test/ and packages/ in exactly one tier', async () => {
  const tiersOf = new Map<string, Tier[]>();
  for (const file of [...testFilesUnder(join(ROOT, 'test')), ...testFilesUnder(join(ROOT, 'packages'))]) tiersOf.set(file, []);
  for (const tier of Object.keys(TIERS) as Tier[]) {
    for (const file of await filesOfTier(tier)) tiersOf.set(file, [...(tiersOf.get(file) ?? []), tier]);
  }
  const inNoTier = [...tiersOf].filter(([, tiers]) => tiers.length === 0).map(([file]) => file);
  const inSeveralTiers = [...tiersOf].filter(([, tiers]) => tiers.length > 1).map(([file, tiers]) => `${file}: ${tiers.join(', ')}`);
  expect({ inNoTier, inSeveralTiers }).toEqual({ inNoTier: [], inSeveralTiers: [] });
  // Not vacuous: each tier finds files.
  for (const tier of Object.keys(TIERS) as Tier[]) expect([...tiersOf].some(([, tiers]) => tiers.includes(tier))).toBe(true);
});

it('gives each tier its npm script, and npm test runs them all', () => {
  const { scripts } = require(join(ROOT, 'package.json')) as { scripts: Record<string, string> };
  for (const [tier, script] of Object.entries(TIERS))
    expect(scripts[script]).toMatch(new RegExp(`^jest( --ci)? -c jest/${tier}\\.config\\.js$`));
  // `npm test`: jest with the root config, whose projects are the four tiers, then chaos.
  expect(scripts.test).toMatch(/(^|&& )jest --ci && npm run -s chaos$/);
  const { projects } = require(join(ROOT, 'jest.config.js')) as { projects: unknown[] };
  const tierConfigs = (['unit', 'integration', 'e2e', 'deploy'] as Tier[]).map(
    (tier) => require(configFile(tier)) as Record<string, unknown>,
  );
  expect(projects).toEqual(tierConfigs.map(({ testTimeout, ...project }) => project));
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, reservePort, RESERVATION_MS } from '../../../scripts/stack/free-port';

// A stack's five ports come from five calls; a duplicate among them made a CI run's stack refuse to
// start ("port 34047 is already in use by pid 12202", its own SQS endpoint, given the API's port too).
const ROOT = join(__dirname, '..', '..', '..');
// The ports the tests offer by hand lie below the kernel's ephemeral range (32768 and up), so the
// 500 real ports the first test takes can never include one of them: a real port handed out there
// is never handed out again in this process, and once made a later test's offer run dry.
const offering = (...ports: number[]) => {
  const queue = [...ports];
  return async () => queue.shift() ?? Promise.reject(new Error('offered every port'));
};

describe('freePort', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sagashop-ports-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('never hands out the same port twice, however often the kernel offers it', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 500; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('skips a port another process has reserved', async () => {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `require('./scripts/stack/free-port').reservePort(async () => 1001, ${JSON.stringify(dir)}).then((p) => console.log(p))`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(child.stdout.trim()).toBe('1001');
    expect(await reservePort(offering(1001, 1003), dir)).toBe(1003);
  });

  it('takes over a reservation older than its lifetime', async () => {
    const file = join(dir, '1005');
    writeFileSync(file, '');
    expect(await reservePort(offering(1005, 1007), dir)).toBe(1007);
    const old = (Date.now() - RESERVATION_MS - 60_000) / 1000;
    writeFileSync(join(dir, '1009'), '');
    utimesSync(join(dir, '1009'), old, old);
    expect(await reservePort(offering(1009), dir)).toBe(1009);
  });

  it('says so when every port offered is reserved', async () => {
    writeFileSync(join(dir, '1011'), '');
    await expect(reservePort(async () => 1011, dir)).rejects.toThrow(/no free port after \d+ tries/);
  });
});

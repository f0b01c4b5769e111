// The operator's page in a real headless browser (Debian's chromium driven by playwright-core),
// against the whole stack started with the start script: checkouts paid and refused, then the
// page's counts and chart, a saga found by its order id, and the replay run from the page.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureCommand } from '../../scripts/stack/system-packages';
import { useStartedStack } from '../support/started-stack';

const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output');
const SCREENSHOT = join(OUTPUT_DIR, 'operator-page.png');

const e2e = useStartedStack();
let browser: Browser | undefined;
let page: Page;
let paidOrder: string;
let creditRefused: string;
let stockRefused: string;

/** The page's URL, as `npm start` printed it beside the API's. */
const opsUrl = () => {
  const printed = /\n\s*ops\s+(http:\/\/\S+)/.exec(e2e.stack.output())?.[1];
  if (!printed) throw new Error(`npm start printed no ops line:\n${e2e.stack.output()}`);
  return printed;
};
const number = async (id: string) => Number((await page.textContent(`#${id}`))!.replace(/[^\d.]/g, ''));
/**
 * The steps the page shows for the first saga found, sorted: entries of two services written
 * within the same millisecond have no order between them.
 */
const stepsShown = async () =>
  (
    await page.$$eval('#saga-results .saga:first-of-type tr.step', (rows) =>
      rows.map((row) => `${row.children[2].textContent} ${row.children[3].textContent}`),
    )
  ).sort();

async function order(userId: string, itemId: string, quantity: number): Promise<string> {
  const { order_id } = (await e2e.post(`/orders/create/${userId}`)).body;
  expect((await e2e.post(`/orders/addItem/${order_id}/${itemId}/${quantity}`)).status).toBe(200);
  return order_id;
}

beforeAll(async () => {
  const executablePath = await ensureCommand('chromium', {
    apt: 'chromium',
    dnf: 'chromium',
    why: "for the operator page's browser test",
  });
  // Root on CI: no sandbox; and nothing that would reach out to the network. playwright gives the
  // browser a fresh user-data dir in the temp folder and removes it on close.
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  browser = await chromium.launch({ executablePath, args });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

describe("the operator's page", () => {
  it('npm start serves it and prints its URL beside the API', () => {
    expect(opsUrl()).toBe(`http://127.0.0.1:${e2e.ports.opsPort}`);
    expect(e2e.stack.output()).toContain(`API: ${e2e.stack.api}  Operator's page: ${opsUrl()}`);
  });

  it('runs checkouts through the API, paid and refused', async () => {
    expect((await e2e.post('/stock/batch_init/10/100/5')).status).toBe(200);
    expect((await e2e.post('/payment/batch_init/10/1000')).status).toBe(200);
    expect((await e2e.post('/orders/batch_init/20/10/10/5')).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, id) => e2e.post(`/orders/checkout/${id}`)));
    expect(answers.map((answer) => answer.status)).toEqual(new Array(20).fill(200));
    paidOrder = '7';
    // Too little credit: stock is reserved, the charge refused, the stock released.
    const { user_id: poor } = (await e2e.post('/payment/create_user')).body;
    await e2e.post(`/payment/add_funds/${poor}/3`);
    creditRefused = await order(poor, '1', 2);
    // Too little stock: the reservation is refused, nothing else runs.
    const { item_id: scarce } = (await e2e.post('/stock/item/create/5')).body;
    await e2e.post(`/stock/add/${scarce}/1`);
    stockRefused = await order('2', scarce, 3);
    expect((await e2e.post(`/orders/checkout/${creditRefused}`)).status).toBe(400);
    expect((await e2e.post(`/orders/checkout/${stockRefused}`)).status).toBe(400);
  });

  it('shows throughput and latency as a chart, verdict counts and the queues', async () => {
    page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(20_000);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(opsUrl());
    await page.waitForFunction("Number(document.getElementById('finished').textContent) >= 22");
    expect(await number('finished')).toBe(22);
    expect(await number('paid')).toBe(20);
    expect(await number('refused')).toBe(2);
    expect(await number('p50')).toBeGreaterThan(0);
    expect(await number('p99')).toBeGreaterThanOrEqual(await number('p50'));
    expect(await number('open')).toBe(0);
    expect(await page.$$eval('#chart rect.bar', (bars) => bars.length)).toBeGreaterThan(0);
    expect(await page.$$eval('#chart path.p50, #chart path.p99, #chart circle', (marks) => marks.length)).toBeGreaterThan(0);
    const queues = await page.$$eval('#queues tbody tr', (rows) => rows.map((row) => row.getAttribute('data-step')));
    expect(queues.sort()).toEqual(['charge-payment', 'complete-order', 'release-stock', 'reserve-stock']);
    expect(await page.textContent('#updated')).toMatch(/^updated/);
    expect(errors).toEqual([]);
  });

  it('finds a saga by its order id and shows its steps from the logs', async () => {
    await page.fill('#search-input', paidOrder);
    await page.click('#search-button');
    await page.waitForSelector('#saga-results .saga tr.step');
    expect(await stepsShown()).toEqual(['begin-checkout begun', 'charge-payment done', 'complete-order paid', 'reserve-stock done']);
    expect(await page.textContent('#saga-results .standing')).toMatch(/^now: paid/);
    expect(await page.textContent('#saga-results pre')).toMatch(new RegExp(`^saga \\S+  order ${paidOrder}  user`));

    await page.fill('#search-input', stockRefused);
    await page.click('#search-button');
    await page.waitForSelector(`#saga-results .facts:has-text("order ${stockRefused} ")`);
    expect(await stepsShown()).toEqual(['begin-checkout begun', 'complete-order refused', expect.stringMatching(/^reserve-stock refused/)]);
  });

  it('runs the replay from the page and shows what it did', async () => {
    await page.click('#replay-button');
    await page.waitForSelector('#replay-report .replay-summary');
    expect(await page.textContent('#replay-report')).toMatch(
      /^Ran in \d+ ms \(token \d+\): 0 open saga\(s\) examined, 0 finished saga\(s\) swept, \d+ log entries read/,
    );
  });

  it('shows a refused saga with its compensation, and takes a screenshot', async () => {
    await page.fill('#search-input', creditRefused);
    await page.click('#search-button');
    await page.waitForSelector(`#saga-results .facts:has-text("order ${creditRefused} ")`);
    expect(await stepsShown()).toEqual([
      'begin-checkout begun',
      expect.stringMatching(/^charge-payment refused/),
      'complete-order refused',
      'release-stock released',
      'reserve-stock done',
    ]);
    expect(await page.textContent('#saga-results .standing')).toMatch(/^now: refused — Not enough credit/);
    // A moment for the next poll, so the chart has the last checkouts too.
    await page.waitForTimeout(2_500);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});

// The operator's page, plain browser JS (no build step). Polls /api/overview every 2 s while the
// tab is visible and draws the chart as inline SVG; text always goes in as textContent.
'use strict';
const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'onclick') node.addEventListener('click', value);
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

const ms = (value) => (value === null || value === undefined ? '–' : value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`);
const count = (value) => Number(value).toLocaleString('en');
function age(millis) {
  if (millis < 1000) return `${Math.max(0, Math.round(millis))} ms`;
  const s = Math.round(millis / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}
const clock = (t) => new Date(t).toISOString().slice(11, 23);
function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((step) => step * power).find((top) => top >= value);
}

function drawChart(metrics) {
  const svg = $('chart');
  const W = 960,
    H = 260,
    left = 44,
    right = 56,
    top = 12,
    bottom = 26;
  const width = W - left - right,
    height = H - top - bottom;
  const span = metrics.windowMs;
  const start = metrics.perSecond.start;
  const x = (t) => left + ((t - start) / span) * width;
  const counts = metrics.perSecond.counts;
  const rateTop = niceMax(Math.max(...counts, 1));
  // Latency on a log scale from 1 ms: one slow saga (a replay finishing it seconds later) must
  // not flatten every other point.
  const latencies = [...metrics.latency.p50, ...metrics.latency.p99].filter((v) => v !== null);
  const decades = Math.max(2, Math.ceil(Math.log10(Math.max(...latencies, 1))));
  const yRate = (v) => top + height - (v / rateTop) * height;
  const yMs = (v) => top + height - (Math.log10(Math.max(v, 1)) / decades) * height;
  const parts = [];
  for (let i = 0; i <= 4; i++) {
    const y = top + (height * i) / 4;
    parts.push(el('svg:line', { x1: left, x2: left + width, y1: y, y2: y, stroke: '#e4e7ec' }));
    parts.push(el('svg:text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, +(rateTop * (1 - i / 4)).toFixed(2)));
  }
  for (let decade = 0; decade <= decades; decade++) {
    const v = 10 ** decade;
    parts.push(el('svg:text', { x: left + width + 6, y: yMs(v) + 4 }, v >= 1000 ? `${v / 1000} s` : `${v} ms`));
  }
  for (let minute = 0; minute <= span / 60000; minute++) {
    const t = start + minute * 60000;
    const label = minute === span / 60000 ? 'now' : `−${span / 60000 - minute} min`;
    parts.push(el('svg:text', { x: x(t), y: H - 8, 'text-anchor': 'middle' }, label));
  }
  const barWidth = Math.max(1, width / counts.length - 0.6);
  counts.forEach((c, i) => {
    if (c > 0)
      parts.push(
        el('svg:rect', {
          class: 'bar',
          x: x(start + i * 1000),
          y: yRate(c),
          width: barWidth,
          height: top + height - yRate(c),
          fill: '#3b6fd8',
          opacity: 0.75,
        }),
      );
  });
  const line = (values, color, name) => {
    let d = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v === null) return void (pen = false);
      const px = x(metrics.latency.start + (i + 0.5) * metrics.latency.bucketMs);
      d += `${pen ? 'L' : 'M'}${px.toFixed(1)},${yMs(v).toFixed(1)}`;
      pen = true;
      parts.push(el('svg:circle', { cx: px, cy: yMs(v), r: 2.5, fill: color }));
    });
    if (d) parts.push(el('svg:path', { class: name, d, fill: 'none', stroke: color, 'stroke-width': 2 }));
  };
  line(metrics.latency.p99, '#e07b24', 'p99');
  line(metrics.latency.p50, '#1f9d6b', 'p50');
  svg.replaceChildren(...parts);
}

function drawQueues(queues) {
  $('queues').tBodies[0].replaceChildren(
    ...queues.map(({ step, queue, dlq }) => {
      const button = el('button', { 'data-step': step, onclick: () => moveBack(step, button) }, 'Move back');
      if (dlq.visible === 0) button.disabled = true;
      return el(
        'tr',
        { 'data-step': step },
        el('td', { title: `${queue.name} / ${dlq.name}` }, step, queue.error ? el('span', { class: 'error' }, ` (${queue.error})`) : ''),
        el('td', { class: 'num' }, count(queue.visible + queue.delayed)),
        el('td', { class: 'num' }, count(queue.inFlight)),
        el('td', { class: `num${dlq.visible + dlq.inFlight > 0 ? ' warn' : ''}` }, count(dlq.visible + dlq.inFlight)),
        el('td', { class: 'num' }, button),
      );
    }),
  );
}

function drawOverview(data) {
  const { metrics, sagas } = data;
  const t = metrics.totals;
  $('stage').textContent = data.stage;
  $('finished').textContent = count(t.finished);
  $('rate').textContent = `${t.perSecondLast10s.toFixed(1)}/s over the last 10 s`;
  $('p50').textContent = ms(t.p50);
  $('p99').textContent = ms(t.p99);
  $('begun').textContent = `${count(t.begun)} begun`;
  $('paid').textContent = count(t.paid);
  $('refused').textContent = count(t.refused);
  $('by-replay').textContent = `${count(t.byReplay)} decided by the replay`;
  $('open').textContent = count(sagas.open);
  const oldest = sagas.oldest[0];
  $('oldest').textContent = oldest ? age(metrics.now - oldest.startedAt) : '–';
  $('oldest-id').textContent = oldest ? `saga ${oldest.sagaId}` : 'none open';
  $('late').textContent = `${count(sagas.pastDeadline)}${sagas.examined < sagas.open && sagas.pastDeadline === sagas.examined ? '+' : ''}`;
  $('late').classList.toggle('bad', sagas.pastDeadline > 0);
  $('open-sagas').tBodies[0].replaceChildren(
    ...(sagas.oldest.length
      ? sagas.oldest.map((s) =>
          el(
            'tr',
            {},
            el('td', {}, el('a', { onclick: () => search(s.sagaId) }, s.sagaId)),
            el('td', {}, s.orderId ?? '?'),
            el('td', { class: 'num' }, age(metrics.now - s.startedAt)),
            el(
              'td',
              { class: `num${s.deadlineAt !== null && s.deadlineAt < metrics.now ? ' warn' : ''}` },
              s.deadlineAt === null ? '?' : clock(s.deadlineAt),
            ),
          ),
        )
      : [el('tr', {}, el('td', { colspan: 4, class: 'note' }, 'no open saga'))]),
  );
  drawQueues(data.queues);
  drawChart(metrics);
}

async function poll() {
  if (!document.hidden) {
    try {
      const response = await fetch('/api/overview');
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || response.status);
      drawOverview(data);
      $('dot').classList.remove('down');
      $('updated').textContent = `updated ${new Date().toLocaleTimeString('en-GB')} · every 2 s · ${count(data.logRead)} new log entries`;
    } catch (error) {
      $('dot').classList.add('down');
      $('updated').textContent = `cannot read the stack: ${error.message}`;
    }
  }
  setTimeout(poll, POLL_MS);
}

async function post(path) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.status);
  return data;
}

async function moveBack(step, button) {
  button.disabled = true;
  try {
    const result = await post(`/api/redrive?step=${encodeURIComponent(step)}`);
    $('redrive-note').textContent =
      `${step}: moved ${result.moved} message(s) back to the queue${result.failed ? `, ${result.failed} failed` : ''}.`;
  } catch (error) {
    $('redrive-note').textContent = `${step}: could not move messages back: ${error.message}`;
  }
}

async function runReplay() {
  const button = $('replay-button');
  const report = $('replay-report');
  button.disabled = true;
  report.textContent = 'running…';
  try {
    const r = await post('/api/replay');
    const summary = r.ran
      ? `Ran in ${r.ms} ms (token ${r.token}): ${r.lines.length} open saga(s) examined, ${r.swept} finished saga(s) swept, ` +
        `${r.logEntries ?? 0} log entries read, ${(r.relisted ?? []).length} relisted, ${(r.orphans ?? []).length} orphan(s) given back.` +
        `${r.more ? ' More work is left: run it again.' : ''}${r.note ? ` Note: ${r.note}.` : ''}`
      : `Did not run: ${r.note}.`;
    const rows = r.lines.map((l) =>
      el(
        'tr',
        {},
        el('td', {}, el('a', { onclick: () => search(l.sagaId) }, l.sagaId)),
        el('td', {}, l.orderId),
        el('td', {}, l.action),
        el('td', {}, `${l.why} → ${l.result}`),
      ),
    );
    // Reservations and charges whose saga the order service does not know (docs/recovery.md).
    rows.push(
      ...(r.orphans ?? []).map((o) =>
        el(
          'tr',
          {},
          el('td', {}, el('a', { onclick: () => search(o.sagaId) }, o.sagaId)),
          el('td', {}, '—'),
          el('td', {}, 'orphan'),
          el('td', {}, `found in the ${o.found} log, its saga unknown → ${o.result}`),
        ),
      ),
    );
    report.replaceChildren(
      el('div', { class: 'replay-summary' }, summary),
      rows.length
        ? el(
            'table',
            {},
            el(
              'thead',
              {},
              el('tr', {}, el('th', {}, 'saga'), el('th', {}, 'order'), el('th', {}, 'action'), el('th', {}, 'why → result')),
            ),
            el('tbody', {}, ...rows),
          )
        : '',
    );
  } catch (error) {
    report.replaceChildren(el('span', { class: 'error' }, `The replay failed: ${error.message}`));
  } finally {
    button.disabled = false;
  }
}

function sagaView(saga) {
  const r = saga.record;
  const facts = r.order_id ? `order ${r.order_id} · user ${r.user_id} · total ${r.total_cost} · items ${r.items}` : 'record expired';
  const rows = saga.lines.map((line) =>
    el(
      'tr',
      { class: 'step', 'data-step': line.step },
      el('td', {}, clock(line.at)),
      el('td', {}, line.service),
      el('td', {}, line.step),
      el('td', { class: `outcome-${line.outcome.split(' ')[0]}` }, line.outcome),
      el('td', {}, line.changes),
      el('td', { title: line.by }, line.by.replace(/message ([0-9a-f]{8})[0-9a-f-]{20,}/, 'message $1…')),
    ),
  );
  return el(
    'div',
    { class: 'saga', 'data-saga': saga.sagaId },
    el('h3', {}, `saga ${saga.sagaId}`),
    el('div', { class: 'facts' }, facts),
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, ...['time (UTC)', 'service', 'step', 'outcome', 'changes', 'by'].map((h) => el('th', {}, h)))),
      el(
        'tbody',
        {},
        ...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 6, class: 'note' }, 'no log entries in the retained window'))]),
      ),
    ),
    el('div', { class: 'standing' }, saga.standing),
    el('details', {}, el('summary', { class: 'note' }, 'as npm run saga prints it'), el('pre', {}, saga.text)),
  );
}

async function search(id) {
  const results = $('saga-results');
  $('search-input').value = id;
  results.textContent = 'reading the logs…';
  try {
    const response = await fetch(`/api/saga?id=${encodeURIComponent(id)}`);
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.status);
    results.replaceChildren(
      ...(data.sagas.length
        ? data.sagas.map(sagaView)
        : [
            el(
              'p',
              { class: 'note' },
              `No saga of ${id} in the retained log (is it an order or saga id? was it checked out within the retention window?)`,
            ),
          ]),
    );
  } catch (error) {
    results.replaceChildren(el('p', { class: 'error' }, `Search failed: ${error.message}`));
  }
}

$('search').addEventListener('submit', (event) => {
  event.preventDefault();
  const id = $('search-input').value.trim();
  if (id) void search(id);
});
$('replay-button').addEventListener('click', () => void runReplay());
void poll();

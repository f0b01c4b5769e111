import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarise, timeline, timelineSvg, writeResults, type Sample } from '../../../scripts/bench/results';

const samples: Sample[] = [
  { at: 0.1, ms: 5, status: 200 },
  { at: 0.5, ms: 7, status: 200 },
  { at: 0.9, ms: 100, status: 400 },
  { at: 1.2, ms: 9, status: 200 },
  { at: 2.7, ms: 30, status: 504 },
];

describe('bench results', () => {
  it('summarises a phase: rate, percentiles and status classes', () => {
    expect(summarise('2 client(s)', 2, samples, 0, 2.5)).toEqual({
      label: '2 client(s)',
      clients: 2,
      seconds: 2.5,
      checkouts: 5,
      perSecond: 2,
      latencyMs: { p50: 9, p95: 100, p99: 100, max: 100 },
      status: { '2xx': 3, '4xx': 1, '5xx': 1 },
      from: 0,
      to: 2.5,
    });
  });

  it('buckets checkouts per second by when they began', () => {
    expect(timeline(samples)).toEqual([
      { second: 0, checkouts: 3, p50: 7, p99: 100 },
      { second: 1, checkouts: 1, p50: 9, p99: 9 },
      { second: 2, checkouts: 1, p50: 30, p99: 30 },
    ]);
  });

  it('writes JSON a script can compare and an SVG chart with a line per series and the phases', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    const results = {
      when: '2026-11-25T12:00:00.000Z',
      settings: { phases: '2:3' },
      phases: [summarise('2 client(s)', 2, samples, 0, 3)],
      timeline: timeline(samples),
    };
    const written = writeResults(dir, results);
    expect(JSON.parse(readFileSync(written.json, 'utf8'))).toEqual(results);
    const svg = readFileSync(written.svg, 'utf8');
    expect(svg).toBe(timelineSvg(results));
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg).toContain('2 client(s): 2/s, p50 9 ms, p99 100 ms');
    expect(written.svg).toMatch(/bench-2026-11-25T12-00-00-000Z\.svg$/);
  });
});

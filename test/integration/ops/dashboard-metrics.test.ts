/** The Grafana dashboard parses and names only metrics a live server exports on /metrics. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { connectWs } from '../../helpers/clients.ts';
import { dataUrl, jpegOf } from '../../helpers/images.ts';
import { startServer } from '../../helpers/server.ts';

const DASHBOARD = resolve(import.meta.dirname, '../../../k8s/base/grafana-dashboard.json');

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { query?: { query: string } | string }[] };
}

/** Metric names in PromQL: every selector is written `name{...}`; template queries use label_values(name, ...). */
function metricNames(dashboard: Dashboard): Set<string> {
  const names = new Set<string>();
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  for (const v of dashboard.templating.list) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (q) exprs.push(q);
  }
  for (const expr of exprs) {
    for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)) names.add(m[1]!);
    for (const m of expr.matchAll(/label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)/g)) names.add(m[1]!);
  }
  return names;
}

/** Sample names with values, and every declared metric with its type. */
function parseExposition(text: string): { samples: Set<string>; types: Map<string, string> } {
  const samples = new Set<string>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    else if (line && !line.startsWith('#')) samples.add(line.split(/[{ ]/)[0]!);
  }
  return { samples, types };
}

function exported(name: string, { samples, types }: ReturnType<typeof parseExposition>): boolean {
  if (samples.has(name) || types.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && types.get(base) === 'histogram';
}

describe('Grafana dashboard', () => {
  let app: App;
  beforeAll(async () => {
    app = await startServer();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('parses, and every metric its queries name is exported by a live server', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const topic of [
      'sessions',
      'frames per second',
      'heatmap',
      'p50 / p99',
      'dropped',
      'errors',
      'restarts',
      'cpu',
      'memory',
    ]) {
      expect(titles).toContain(topic);
    }
    expect(dashboard.panels.some((p) => p.type === 'heatmap')).toBe(true);

    // A little traffic so the frame counters and histograms carry samples.
    const client = await connectWs(app.url);
    await client.log.waitFor((m) => m.type === 'system');
    const frame = dataUrl(await jpegOf(320, 240));
    for (let i = 0; i < 3; i++) {
      const from = client.log.messages.length;
      client.send({ type: 'frame', payload: frame });
      await client.log.waitFor((m) => m.type === 'workout', 15_000, from);
    }
    client.send({ type: 'bogus' });
    await client.log.errorCode();

    const exposition = parseExposition(await (await fetch(`${app.url}/metrics`)).text());
    const names = metricNames(dashboard);
    expect(names.size).toBeGreaterThan(20);
    const missing = [...names].filter((n) => !exported(n, exposition));
    expect(missing, 'metrics the dashboard queries but the server does not export').toEqual([]);
    for (const name of [
      'workout_frame_latency_seconds_bucket',
      'workout_frames_analyzed_total',
      'workout_errors_sent_total',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(exposition.samples, name).toContain(name);
    }
    client.ws.close();
    await client.closed;
  });
});

// The dashboard in Debian's headless chromium: a cloud with a scripted NAT mix; every figure the page shows equals GET /v1/stats.
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboardMix, type DashboardMix } from '../../../../cli/demo/dashboard-mix.js';
import { createSilentLogger } from '../../../../core/index.js';
import type { StatsView } from '../../../../src/stats/index.js';
import { CHROMIUM_MISSING, chromiumPath, launchChromium, type Browser } from '../../../support/chromium.js';

const TOKEN = 'dashboard-test-admin-token-0123456789';
const ARTIFACT = 'test-artifacts/dashboard.png';
const browserPath = chromiumPath();
if (!browserPath) {
  // CI installs chromium: there a missing browser is a failure, not a skip.
  if (process.env.PUNCHTHROUGH_REQUIRE_CHROMIUM === '1') throw new Error(CHROMIUM_MISSING);
  console.warn(`dashboard browser test skipped: ${CHROMIUM_MISSING}`);
}

/** What the page must show, computed from the JSON independently of the page's code: data-stat → data-value. */
function expectedFigures(view: StatsView): Map<string, string> {
  const figures = new Map<string, string>();
  const put = (path: string, value: unknown): void => void figures.set(path, value === null ? 'null' : String(value));
  for (const [key, value] of Object.entries(view.totals)) put(`totals.${key}`, value);
  view.series.buckets.forEach((bucket, i) => (put(`series.buckets.${i}.direct`, bucket.direct), put(`series.buckets.${i}.relay`, bucket.relay)));
  for (const path of ['direct', 'relay'] as const) view.connectMs[path].forEach((count, i) => put(`connectMs.${path}.${i}`, count));
  for (const pair of view.natPairs) {
    for (const field of ['directRate', 'direct', 'upgraded', 'relay'] as const) put(`natPairs.${pair.client}|${pair.server}.${field}`, pair[field]);
  }
  for (const relay of view.relays) {
    put(`relays.${relay.id}.level`, relay.level);
    put(`relays.${relay.id}.bindings`, relay.bindings);
  }
  for (const app of view.apps) {
    put(`apps.${app.appId}.sessions`, app.sessions);
    put(`apps.${app.appId}.players`, app.players);
  }
  for (const session of view.sessions) {
    put(`sessions.${session.sessionId}.players`, session.players);
    for (const pair of session.pairs) put(`sessions.${session.sessionId}.pairs.${pair.clientActor}`, pair.outcome);
  }
  return figures;
}

describe.skipIf(!browserPath)('the dashboard in a real browser', () => {
  let mix: DashboardMix;
  let browser: Browser;
  let base: string;
  const stats = async (token = TOKEN): Promise<Response> => fetch(`${base}/v1/stats`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    mix = await startDashboardMix({ adminToken: TOKEN, logger: createSilentLogger() });
    base = `http://127.0.0.1:${mix.cloud.http.port}`;
    browser = await launchChromium(browserPath!);
  });
  afterAll(async () => {
    await browser?.close();
    await mix?.close();
  });

  it('shows the same figures as /v1/stats for a scripted mix of NAT pairs, and keeps a screenshot', async () => {
    const outcomes = await mix.settled;
    expect(outcomes.every((outcome) => outcome.path !== null)).toBe(true);
    expect(new Set(outcomes.map((outcome) => outcome.path))).toEqual(new Set(['direct', 'relay']));
    // Every connect reported and classified by both NAT types (discovery runs with two cloud addresses).
    let view: StatsView | undefined;
    for (let tries = 0; tries < 100; tries++) {
      view = (await (await stats()).json()) as StatsView;
      if (view.totals.connects === outcomes.length && view.natPairs.reduce((sum, pair) => sum + pair.direct + pair.relay + pair.upgraded, 0) === outcomes.length) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(view!.totals.connects).toBe(outcomes.length);
    expect(view!.natPairs.some((pair) => pair.client === 'unknown' || pair.server === 'unknown')).toBe(false);
    expect(view!.natPairs.find((pair) => pair.client === 'symmetric' && pair.server === 'symmetric')?.relay).toBe(2);

    const page = await browser.newPage();
    await page.goto(mix.url);
    await page.waitFor('document.body.dataset.generatedAt');
    // The token left the address bar (it was only ever in the fragment).
    expect(await page.evaluate<string>('location.href')).toBe(`${base}/dashboard`);
    // Nothing moves now (every client connected, no churn), so the page and a fresh answer must agree exactly.
    const shown = new Map(await page.evaluate<[string, string][]>("[...document.querySelectorAll('[data-stat]')].map((e) => [e.dataset.stat, e.dataset.value])"));
    const expected = expectedFigures((await (await stats()).json()) as StatsView);
    expect(shown.size).toBeGreaterThan(60);
    expect(Object.fromEntries(shown)).toEqual(Object.fromEntries(expected));
    expect(await page.evaluate<string>("document.querySelector('[data-stat=\"totals.directRate\"]').textContent")).toMatch(/^\d+\.\d %$/);

    const png = await page.screenshot();
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync(ARTIFACT, png);
  });

  it('asks for the token, and the data needs it', async () => {
    expect((await stats('wrong-token-wrong-token-wrong')).status).toBe(401);
    expect((await fetch(`${base}/v1/stats`)).status).toBe(401);
    const page = await browser.newPage();
    await page.goto(`${base}/dashboard`);
    await page.waitFor("!document.getElementById('login').hidden");
    expect(await page.evaluate<boolean>("document.getElementById('main').hidden")).toBe(true);
    expect((await fetch(`${base}/dashboard/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/dashboard/__proto__`)).status).toBe(404);
  });
});

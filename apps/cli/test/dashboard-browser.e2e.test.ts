import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { cleanupTempDirs } from '@kitty/test-utils';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  bareProject,
  dashboardProject,
  ensureChromium,
  startDashboard,
  testOutputDir,
  writeFeature,
} from './dashboard-helpers.js';
import { json, workflowSandbox } from './workflow-sandbox.js';

/**
 * The dashboard page in a real headless Chromium (the system one, /usr/bin/chromium, installed from the OS
 * packages by the test set-up when missing; playwright-core never downloads a browser). Waits are bounded
 * (selectors with timeouts), never timed assertions.
 */

const outDir = path.join(testOutputDir, 'dashboard');
let browser: Browser;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  ensureChromium();
  mkdirSync(outDir, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 20 * 60_000);

afterAll(async () => {
  await browser?.close();
  for (const c of cleanups) await c();
  cleanupTempDirs();
}, 120_000);

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(url);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  return page;
}
/** What the page functions below use of the browser's globals (the tests compile without the DOM library). */
type PageGlobals = {
  document: {
    getElementById(id: string): { hidden: boolean; innerText: string } | null;
    querySelector(sel: string): { innerText: string } | null;
  };
};
/** Waits for a package's detail in the drawer; when the drawer shows something else, fails with what it shows. */
async function expectDetail(page: Page, id: string): Promise<void> {
  const shown = await page
    .waitForSelector(`[data-detail="${id}"]`, { timeout: 20_000 })
    .then(() => null)
    .catch(async (err: Error) => {
      const drawer = await page.evaluate(() => {
        const d = (globalThis as unknown as PageGlobals).document.getElementById('drawer');
        return d === null ? 'no drawer' : `hidden=${d.hidden}: ${d.innerText}`;
      });
      return `${err.message.split('\n')[0]}; the drawer: ${drawer}; page errors: ${errorsOf(page).join(' | ') || 'none'}`;
    });
  expect(shown).toBeNull();
}
const errorsOf = (page: Page): string[] => (page as Page & { errors: string[] }).errors;

describe('the dashboard page in Chromium', () => {
  let p: Awaited<ReturnType<typeof dashboardProject>>;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    p = await dashboardProject(5);
    for (const [wp, lane] of [
      ['WP01', 'claimed'],
      ['WP04', 'blocked'],
    ] as const) {
      expect(
        (await p.kitty(['agent', 'tasks', 'move-task', wp, '--to', lane, '--agent', 'claude', '--feature', '001-shop', '--json'])).code,
      ).toBe(0);
    }
    url = (await startDashboard(p)).url;
    cleanups.push(() => p.kitty(['dashboard', '--kill', '--json']));
    page = await open(`${url}/#/feature/001-shop`);
  }, 240_000);

  it('shows every work package in the column of its lane (the lane tasks status --json gives)', async () => {
    const status = json(await p.kitty(['agent', 'tasks', 'status', '--feature', '001-shop', '--json']));
    const wps = status['work_packages'] as Array<{ id: string; lane: string }>;
    expect(wps.map((w) => w.lane).sort()).toEqual(['blocked', 'claimed', 'planned', 'planned', 'planned']);
    for (const w of wps) expect(await page.locator(`.col[data-lane="${w.lane}"] .card[data-wp="${w.id}"]`).count()).toBe(1);
    expect(await page.locator('.col').evaluateAll((cols) => cols.map((c) => c.getAttribute('data-lane')))).toEqual([
      'planned',
      'claimed',
      'in_progress',
      'for_review',
      'done',
      'blocked',
      'canceled',
    ]);
    expect(await page.locator('.card[data-wp="WP02"]').innerText()).toContain('needs WP01');
    expect(await page.locator('.card[data-wp="WP03"] .tag.ready').count()).toBe(1);
    expect(await page.locator('.feat').count()).toBe(2);
    expect(await page.locator('.chip.present[data-artifact="spec"]').count()).toBe(1);
    expect(await page.locator('.chip.missing[data-artifact="plan"]').count()).toBe(1);
    expect(errorsOf(page)).toEqual([]);
  });

  it('moves a card to its new column when the CLI changes the lane, without reloading the page', async () => {
    await page.evaluate(() => ((globalThis as unknown as { __noReload: number }).__noReload = 42));
    expect(
      (await p.kitty(['agent', 'tasks', 'move-task', 'WP03', '--to', 'claimed', '--agent', 'codex', '--feature', '001-shop', '--json']))
        .code,
    ).toBe(0);
    await page.waitForSelector('.col[data-lane="claimed"] .card[data-wp="WP03"]', { timeout: 20_000 });
    expect(await page.locator('.col[data-lane="planned"] .card[data-wp="WP03"]').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __noReload?: number }).__noReload)).toBe(42);
    expect(await page.locator('.col[data-lane="claimed"] h3 .n').innerText()).toBe('2');
    expect(await page.locator('.events li').first().innerText()).toContain('WP03');
    expect(await page.locator('#live').getAttribute('data-live')).toBe('live');
  });

  it('collapses to the 4-lane view on the toggle', async () => {
    await page.click('#lanes-4');
    expect(await page.locator('.col').evaluateAll((cols) => cols.map((c) => c.getAttribute('data-lane')))).toEqual([
      'planned',
      'doing',
      'for_review',
      'done',
    ]);
    expect(await page.locator('.col[data-lane="doing"] .card[data-wp="WP01"]').count()).toBe(1);
    expect(await page.locator('.col[data-lane="doing"] .card[data-wp="WP04"]').count()).toBe(1);
    await page.click('#lanes-7');
    expect(await page.locator('.col').count()).toBe(7);
  });

  it('a click under way while a live update re-renders the board still opens the package', async () => {
    // Mouse down on WP01, an agent edits WP05's title, the board re-renders from the pushed event, mouse up.
    const box = await page.locator('.card[data-wp="WP01"]').boundingBox();
    expect(box).not.toBeNull();
    await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await page.mouse.down();
    const wp05 = path.join(p.fdir, 'tasks', 'WP05-part-5.md');
    const text = (await import('node:fs')).readFileSync(wp05, 'utf8');
    const title = /^title: .*$/m.exec(text)?.[0];
    expect(title).toBeDefined();
    writeFileSync(wp05, text.replace(title!, 'title: Part 5 renamed'));
    await page.waitForSelector('.card[data-wp="WP05"] >> text=Part 5 renamed', { timeout: 20_000 });
    await page.mouse.up();
    await expectDetail(page, 'WP01');
    await page.click('#drawer-close');
    writeFileSync(wp05, text);
    await page.waitForFunction(
      () => !((globalThis as unknown as PageGlobals).document.querySelector('.card[data-wp="WP05"]')?.innerText ?? '').includes('renamed'),
      undefined,
      { timeout: 20_000 },
    );
  });

  it('opens a package: its prompt rendered (HTML escaped) and its history', async () => {
    writeFileSync(
      path.join(p.fdir, 'tasks', 'WP05-part-5.md'),
      (await import('node:fs'))
        .readFileSync(path.join(p.fdir, 'tasks', 'WP05-part-5.md'), 'utf8')
        .replace(
          '## Review Feedback',
          'Beware <img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script>.\n\n## Review Feedback',
        ),
    );
    await page.click('.card[data-wp="WP01"]');
    await expectDetail(page, 'WP01');
    const drawer = await page.locator('.drawer-panel').innerText();
    expect(drawer).toContain('WP01 · Part 1');
    expect(drawer).toContain('planned → claimed');
    expect(drawer).toContain('Work Package Prompt: WP01');
    await page.screenshot({ path: path.join(outDir, 'dashboard-detail.png') });
    await page.click('#drawer-close');
    await page.click('.card[data-wp="WP05"]');
    await expectDetail(page, 'WP05');
    expect(await page.locator('.prompt').innerText()).toContain('<script>window.__xss=2</script>');
    expect(await page.locator('.prompt script, .prompt img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.keyboard.press('Escape');
    expect(await page.locator('#drawer').isHidden()).toBe(true);
  });

  it('takes a screenshot of the board into the test output', async () => {
    const file = path.join(outDir, 'dashboard-board.png');
    rmSync(file, { force: true });
    await page.screenshot({ path: file });
    expect((await import('node:fs')).statSync(file).size).toBeGreaterThan(10_000);
    expect(errorsOf(page)).toEqual([]);
  });
});

describe('the page with bad input shows what it can and marks what it cannot read', () => {
  it('a malformed prompt file, an unreadable status log, a log with a bad line', async () => {
    const sb = workflowSandbox('kitty-dash-bad-');
    bareProject(sb);
    const ok = writeFeature(sb.project, '001-mixed', 3);
    writeFileSync(path.join(ok, 'tasks', 'WP02-part-2.md'), '---\ntitle: [unclosed\nlane: planned\n---\nbody\n');
    const unreadable = writeFeature(sb.project, '002-unreadable', 2, ['planned', 'for_review']);
    mkdirSync(path.join(unreadable, 'status.events.jsonl')); // a directory: reading it fails (EISDIR), also as root
    const garbled = writeFeature(sb.project, '003-garbled', 2);
    writeFileSync(path.join(garbled, 'status.events.jsonl'), 'this is not json\n');
    const url = (await startDashboard(sb)).url;
    cleanups.push(() => sb.kitty(['dashboard', '--kill', '--json']));
    const page = await open(`${url}/#/feature/001-mixed`);
    expect(await page.locator('.feat .warn-mark').count()).toBe(3);
    expect(await page.locator('.card[data-wp="WP01"]').count()).toBe(1);
    expect(await page.locator('.card[data-wp="WP03"]').count()).toBe(1);
    expect(await page.locator('.problems').innerText()).toContain('WP02-part-2.md');

    await page.click('.feat[data-feature="002-unreadable"]');
    await page.waitForSelector('.problems >> text=status log could not be read', { timeout: 20_000 });
    expect(await page.locator('.problems').innerText()).toContain('status.events.jsonl');
    expect(await page.locator('.col[data-lane="for_review"] .card[data-wp="WP01"]').count()).toBe(1); // frontmatter lanes
    expect(await page.locator('.col[data-lane="planned"] .card[data-wp="WP02"]').count()).toBe(1);

    await page.click('.feat[data-feature="003-garbled"]');
    await page.waitForSelector('.problems >> text=invalid JSON on line 1', { timeout: 20_000 });
    expect(await page.locator('.card').count()).toBe(2);
    expect(errorsOf(page)).toEqual([]);
  });

  it('a project without features', async () => {
    const sb = workflowSandbox('kitty-dash-none-');
    expect((await sb.kitty(['init', '--here', '--ai', 'claude', '--json'])).code).toBe(0);
    const url = (await startDashboard(sb)).url;
    cleanups.push(() => sb.kitty(['dashboard', '--kill', '--json']));
    const page = await open(url);
    expect(await page.locator('#features').innerText()).toContain('No features yet');
    expect(await page.locator('main').innerText()).toContain('no features yet');
    // The first feature appears live.
    expect((await sb.kitty(['agent', 'feature', 'create-feature', 'first', '--json'])).code).toBe(0);
    await page.waitForSelector('.feat[data-feature="001-first"]', { timeout: 20_000 });
    expect(errorsOf(page)).toEqual([]);
  });

  it('50 features × 30 work packages: every feature listed, a full board, still live', async () => {
    const sb = workflowSandbox('kitty-dash-big-');
    bareProject(sb);
    const lanes = ['planned', 'claimed', 'in_progress', 'for_review', 'done', 'blocked', 'canceled'];
    for (let f = 1; f <= 50; f++) writeFeature(sb.project, `${String(f).padStart(3, '0')}-feature-${f}`, 30, lanes);
    const url = (await startDashboard(sb)).url;
    cleanups.push(() => sb.kitty(['dashboard', '--kill', '--json']));
    const page = await open(`${url}/#/feature/050-feature-50`);
    expect(await page.locator('.feat').count()).toBe(50);
    expect(await page.locator('.card').count()).toBe(30);
    expect(await page.locator('.col[data-lane="done"] .card').count()).toBe(4); // WP04, WP11, WP18, WP25
    const firstPaintMs = await page.evaluate(() => (globalThis as unknown as { __kittyFirstPaint: number }).__kittyFirstPaint);
    expect(firstPaintMs).toBeGreaterThan(0); // the number itself is measured by the benchmark, not asserted here
    writeFileSync(
      path.join(sb.project, 'kitty-specs', '050-feature-50', 'tasks', 'WP01-part-1.md'),
      (await import('./dashboard-helpers.js')).wpFile('WP01', 'Part 1 renamed', 'done'),
    );
    await page.waitForSelector('.col[data-lane="done"] .card[data-wp="WP01"] >> text=Part 1 renamed', { timeout: 20_000 });
    expect(errorsOf(page)).toEqual([]);
  });
});

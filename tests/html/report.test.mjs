// `advisor report --html` opened in a real headless Chromium (Debian's, driven by playwright-core): the page must draw
// without errors, fetch nothing but itself, and its table must sort and filter. Builds nothing: run
// `dotnet build -c Release InlineAdvisor.sln` first. Leaves a screenshot in tests/artifacts/html-report.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const advisor = path.join(repo, 'server/InlineAdvisor.Cli/bin/Release/net10.0/advisor');
const samplesDir = path.join(repo, 'samples/InlineSamples/bin/Release/net10.0');
const fixtures = path.join(repo, 'tests/fixtures');
const artifacts = path.join(repo, 'tests/artifacts');
const bench = path.join(repo, 'server/InlineAdvisor.Bench/bin/Release/net10.0/bench.dll');

let tmp, page, context, reportFile, requests = [], consoleErrors = [], pageErrors = [];

before(async () => {
  for (const f of [advisor, path.join(samplesDir, 'InlineSamples.dll')])
    if (!existsSync(f)) throw new Error(`missing ${f}: build first (dotnet build -c Release InlineAdvisor.sln); this test builds nothing itself`);
  tmp = mkdtempSync(path.join(tmpdir(), 'html-report-'));
  const store = path.join(tmp, 's.db');
  execFileSync(advisor, ['import', path.join(fixtures, 'mixer.nettrace'), '--pgo', path.join(fixtures, 'mixer.pgo.txt'),
    '--store', store, '--assemblies', samplesDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  reportFile = path.join(tmp, 'report.html');
  execFileSync(advisor, ['report', '--store', store, '--all', '--html', reportFile, '--app', samplesDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  context = await launchChromium(path.join(tmp, 'profile'));
  page = context.pages()[0] ?? await context.newPage();
  page.on('request', r => requests.push(r.url()));
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', e => pageErrors.push(String(e)));
  await page.goto(pathToFileURL(reportFile).href);
  await page.waitForFunction(() => typeof window.__rendered === 'number', null, { timeout: 30_000 });
});

after(async () => {
  await context?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const rowTexts = (col) => page.$$eval('#sites-table tbody tr', (rows, c) => rows.map(r => r.children[c].textContent), col);

test('the page draws without console or page errors', () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(consoleErrors, []);
});

test('the page requests nothing but its own file', () => {
  assert.deepEqual(requests, [pathToFileURL(reportFile).href]);
});

test('the sites table has rows, sorts by a column and filters', async () => {
  const count = await page.$$eval('#sites-table tbody tr', rows => rows.length);
  assert.ok(count > 5, `rows: ${count}`);
  // Sorted by share, hottest first, to begin with; a click on "caller → callee" sorts by name (ascending), a second descending.
  const header = page.locator('#sites-table th', { hasText: 'caller → callee' });
  await header.click();
  const ascending = await rowTexts(3);
  assert.deepEqual(ascending, [...ascending].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'ascending by name after one click');
  await header.click();
  const descending = await rowTexts(3);
  assert.notDeepEqual(descending, ascending, 'a second click reverses the order');
  assert.ok(descending[0] >= descending.at(-1));
  await page.fill('#sites input[type=search]', 'ByteHasher.Mix');
  await page.waitForFunction(n => document.querySelectorAll('#sites-table tbody tr').length < n, count);
  const filtered = await rowTexts(3);
  assert.ok(filtered.length > 0, 'Mix sites remain');
  assert.ok(filtered.every(t => t.includes('ByteHasher.Mix')), filtered.join('\n'));
});

test('the icicle has SVG rects coloured by the JIT decision', async () => {
  const outcomes = await page.$$eval('#flame svg rect.edge', rs => rs.map(r => r.getAttribute('data-outcome')));
  assert.ok(outcomes.length > 3, `edges: ${outcomes.length}`);
  assert.ok(outcomes.includes('inlined'), outcomes.join(' '));
});

test('the inline tree, budget, experiment, calibration and advice panels say something', async () => {
  assert.ok(await page.$$eval('#tree ul.tree li', l => l.length) > 0, 'inline tree entries');
  for (const id of ['budget', 'experiments', 'calibration', 'advice'])
    assert.ok((await page.textContent('#' + id)).trim().length > 0, `#${id} is empty`);
  assert.match(await page.textContent('#advice'), /candidates worth measuring|advice \(measured/);
});

test('a synthetic page with experiments, a screen and calibration points draws their plots', async () => {
  // The mixer store has no experiments: the bench's synthetic profile (6 experiments with raw runs, a screen, calibration
  // points, 300 sites) exercises those panels.
  const dir = path.join(tmp, 'synthetic');
  execFileSync('dotnet', [bench, 'html', '--pages-only', '--sites', '300', '--baseline', '50', '--out', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const other = await context.newPage();
  const errors = [], fetched = [];
  other.on('pageerror', e => errors.push(String(e)));
  other.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  other.on('request', r => fetched.push(r.url()));
  const file = pathToFileURL(path.join(dir, 'report-300.html')).href;
  await other.goto(file);
  await other.waitForFunction(() => typeof window.__rendered === 'number');
  assert.deepEqual(errors, []);
  assert.deepEqual(fetched, [file]);
  assert.equal(await other.$$eval('#experiments svg.distribution', s => s.length), 6);
  // Box and dots per arm: 30 runs each of A, B and C.
  assert.equal(await other.$$eval('.experiment[data-experiment="1"] svg circle', c => c.length), 90);
  assert.ok(await other.$$eval('#screens svg circle', c => c.length) === 6);
  assert.equal(await other.$$eval('#calibration circle.calibration-point', c => c.length), 6);
  assert.ok(await other.$$eval('#advice table tbody tr', r => r.length) > 0);
  // Synthetic method 0 (<Run>b__0) has one budget-limited compile of 40 decisions.
  const value = await other.$$eval('#tree select option', os => os.find(o => o.textContent.includes('.<Run>b__0 '))?.value);
  assert.ok(value, 'method 0 is in the inline tree\'s list');
  await other.selectOption('#tree select', value);
  assert.equal(await other.$$eval('#tree ol.jit-order li', l => l.length), 40, 'its budget-limited compile, every decision in JIT order');
  await other.close();
});

test('per method view and a screenshot', async () => {
  await page.click('#sites button:has-text("per method")');
  assert.ok(await page.$$eval('#methods-table tbody tr', r => r.length) > 0);
  await page.click('#sites button:has-text("per site")');
  await page.fill('#sites input[type=search]', '');
  await page.waitForFunction(() => document.querySelectorAll('#sites-table tbody tr').length > 5);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'html-report.png'), fullPage: true });
  assert.ok(existsSync(path.join(artifacts, 'html-report.png')));
});

// The browser half of the end-to-end test (run by e2e.sh): drives code-server in headless Chromium
// with playwright-core and checks what a user sees. Every step waits for a condition, never a fixed
// sleep. Prints one "ok"/"not ok" line per check and a closing "N passed, N failed" line.
import { chromium } from 'playwright-core';
import * as fs from 'node:fs';
import * as path from 'node:path';

const url = process.env.E2E_URL;
const artifacts = process.env.E2E_ARTIFACTS;
const hotFile = process.env.E2E_HOT_FILE ?? 'MixerCase.cs';
const heatRgb = '255, 96, 0'; // src/heat.ts
fs.mkdirSync(artifacts, { recursive: true });

const results = [];
function check(name, ok, detail = '') {
  results.push(ok);
  console.log(`${ok ? 'ok' : 'not ok'} ${results.length} - ${name}${detail ? ` # ${detail}` : ''}`);
  return ok;
}

const browser = await chromium.launch({
  executablePath: process.env.E2E_CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let page;
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
  page = await context.newPage();
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 60_000 });

  // Open the hot file through Quick Open, as a user would.
  await page.waitForSelector('.explorer-folders-view, .monaco-list', { timeout: 30_000 });
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 15_000 });
  await page.keyboard.type(hotFile);
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${hotFile}"]`, { timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.tab[data-resource-name="${hotFile}"], .tab[aria-label*="${hotFile}"]`, { timeout: 15_000 });
  check(`${hotFile} opened through Quick Open`, true);

  // The evidence lens: CPU share and the JIT's decision, from the real profile.
  const lensSelector = '.monaco-editor .codelens-decoration';
  let lensTexts = [];
  try {
    await page.waitForFunction(
      (sel) => [...document.querySelectorAll(sel)].some((e) => e.textContent.includes('% CPU')),
      lensSelector, { timeout: 60_000, polling: 250 });
  } catch { /* reported below */ }
  lensTexts = await page.$$eval(lensSelector, (els) => els.map((e) => e.textContent.trim()).filter(Boolean));
  const cpuLenses = lensTexts.filter((t) => t.includes('% CPU'));
  check('an evidence lens with "% CPU" appears', cpuLenses.length > 0,
    `${cpuLenses.length} of ${lensTexts.length} lenses, ${((Date.now() - t0) / 1000).toFixed(1)} s after page load`);
  for (const t of cpuLenses) console.log(`#   lens: ${t}`);
  const decision = cpuLenses.find((t) => /\binlined\b|not inlined|no decision seen|inlined in some/i.test(t));
  check('a lens states the JIT decision', decision !== undefined, decision ?? lensTexts.join(' | '));

  // Heat: whole-line backgrounds in the extension's tint (one per hot line, any bucket).
  let heat = 0;
  try {
    await page.waitForFunction((rgb) => [...document.querySelectorAll('.monaco-editor .view-overlays div')]
      .some((e) => getComputedStyle(e).backgroundColor.includes(rgb)), heatRgb, { timeout: 20_000, polling: 250 });
  } catch { /* reported below */ }
  heat = await page.$$eval('.monaco-editor .view-overlays div',
    (els, rgb) => els.filter((e) => getComputedStyle(e).backgroundColor.includes(rgb)).length, heatRgb);
  check('hot lines carry the heat decoration', heat > 0, `${heat} tinted lines`);

  // The status bar item with the profile's age.
  const status = page.locator('.part.statusbar .statusbar-item', { hasText: 'InlineAdvisor:' }).first();
  let statusText = '';
  try {
    await page.waitForFunction(() => [...document.querySelectorAll('.part.statusbar .statusbar-item')]
      .some((e) => /InlineAdvisor: profile/.test(e.textContent)), undefined, { timeout: 20_000, polling: 250 });
  } catch { /* reported below */ }
  if (await status.count()) statusText = (await status.textContent()).trim();
  check('the status bar shows the profile\'s age', /InlineAdvisor: profile/.test(statusText), statusText || 'no item');

  await page.screenshot({ path: path.join(artifacts, 'lens.png') });
  console.log(`# screenshot: ${path.join(artifacts, 'lens.png')}`);

  // The lens's command (inlineAdvisor.showEvidence) moves the cursor and shows the server's hover.
  if (cpuLenses.length > 0) {
    const link = page.locator(`${lensSelector} a`, { hasText: '% CPU' }).first();
    await link.click();
    let hover = '';
    try {
      await page.waitForSelector('.monaco-hover:not(.hidden) .monaco-hover-content', { state: 'visible', timeout: 20_000 });
      hover = (await page.locator('.monaco-hover:not(.hidden) .monaco-hover-content').first().textContent()).trim();
    } catch { /* reported below */ }
    check('clicking the lens shows the evidence hover', hover.length > 0, hover.replace(/\s+/g, ' ').slice(0, 160));
    await page.screenshot({ path: path.join(artifacts, 'hover.png') });
    await page.keyboard.press('Escape');
  } else {
    check('clicking the lens shows the evidence hover', false, 'no lens to click');
  }

  // Clicking the status bar item runs Show report: a read-only document with the report table.
  await status.click();
  let report = '';
  try {
    await page.waitForSelector('.tab[aria-label*="InlineAdvisor report"]', { timeout: 20_000 });
    await page.waitForFunction(() => /InlineSamples|ByteHasher|Mix/.test(
      document.querySelector('.editor-group-container.active .view-lines')?.textContent ?? ''), undefined, { timeout: 20_000, polling: 250 });
    report = await page.locator('.editor-group-container.active .view-lines').first().textContent();
  } catch { /* reported below */ }
  check('the status bar item opens the report', report.length > 0, report.replace(/\s+/g, ' ').slice(0, 120));
  await page.screenshot({ path: path.join(artifacts, 'report.png') });
} catch (e) {
  failed = true;
  check('the run finished without an exception', false, String(e?.message ?? e).split('\n')[0]);
} finally {
  if (page && (failed || results.includes(false))) {
    await page.screenshot({ path: path.join(artifacts, 'failure.png') }).catch(() => undefined);
    console.log(`# failure screenshot: ${path.join(artifacts, 'failure.png')}`);
  }
  await browser.close();
}
const passed = results.filter(Boolean).length;
console.log(`1..${results.length}`);
console.log(`e2e: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length && !failed ? 0 : 1);

// Time from navigation to the HTML report's "rendered" mark (window.__rendered, set when every panel is drawn) in
// headless Chromium, for a baseline page and a large one, loads interleaved so a change of machine speed hits both
// alike; prints medians and the ratio. Called by `bench html` (server/InlineAdvisor.Bench/HtmlBench.cs).
//   node samples/html-bench.mjs [--loads N] <baseline.html> <large.html>
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../tests/html/chromium.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--loads');
const loads = at >= 0 ? Number(args.splice(at, 2)[1]) : 7;
const [baseline, large] = args;
if (!baseline || !large) { console.error('usage: node samples/html-bench.mjs [--loads N] <baseline.html> <large.html>'); process.exit(2); }

const median = v => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const profile = mkdtempSync(path.join(tmpdir(), 'html-bench-'));
const context = await launchChromium(profile);
const times = { [baseline]: [], [large]: [] };
const errors = [];
try {
  for (let i = 0; i <= loads; i++) {
    for (const file of [baseline, large]) {
      const page = await context.newPage();
      page.on('pageerror', e => errors.push(`${path.basename(file)}: ${e}`));
      page.on('console', m => { if (m.type() === 'error') errors.push(`${path.basename(file)}: ${m.text()}`); });
      await page.goto(pathToFileURL(file).href);
      const rendered = await page.waitForFunction(() => window.__rendered, null, { timeout: 60_000 }).then(h => h.jsonValue());
      await page.close();
      if (i > 0) times[file].push(rendered);   // load 0 warms up the browser's caches and is dropped
    }
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
for (const file of [baseline, large])
  console.log(`chromium: ${path.basename(file).padEnd(18)} ${(statSync(file).size / 1048576).toFixed(2)} MB  navigation → rendered: median ${median(times[file]).toFixed(0)} ms ` +
    `(min ${Math.min(...times[file]).toFixed(0)}, max ${Math.max(...times[file]).toFixed(0)}, ${times[file].length} loads)`);
const ratio = median(times[large]) / median(times[baseline]);
console.log(`chromium: large / baseline: ${ratio.toFixed(2)}x; large page ${median(times[large]) < 1000 ? 'under' : 'OVER'} the 1 s target`);
if (errors.length) { console.error('page errors:\n' + errors.join('\n')); process.exit(1); }

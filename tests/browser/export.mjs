// An exported edition in a real browser, opened straight from the file system (file://):
// the contents page, the offline search, a section reached from a search result, the
// changes page, the same search with JavaScript off, and a section as printed.
// Usage: node export.mjs SITE_DIR OUT_DIR PHRASE
//
// Exits non-zero on the first failed step or on any serious or critical axe-core violation.
// Screenshots go to OUT_DIR.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [siteDir, outDir, phrase] = process.argv.slice(2);
if (!siteDir || !outDir || !phrase) {
  console.error('usage: node export.mjs SITE_DIR OUT_DIR PHRASE');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const site = (rel) => pathToFileURL(join(resolve(siteDir), rel)).href;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
// Nothing may be fetched from the network: the site is self-contained.
const external = [];
context.on('request', (req) => {
  if (!req.url().startsWith('file://')) { external.push(req.url()); }
});
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));
// axe-core reads stylesheets with XMLHttpRequest, which Chromium refuses on file://; those
// messages are the scanner's, not the site's.
page.on('console', (m) => {
  if (m.type() === 'error' && !/XMLHttpRequest|net::ERR_FAILED/.test(m.text())) { consoleErrors.push(m.text()); }
});

let step = 0;
const problems = [];
const scanned = [];

async function shot(name, p = page) {
  step += 1;
  const file = join(outDir, `${String(step).padStart(2, '0')}-${name}.png`);
  await p.screenshot({ path: file, fullPage: true });
  return file;
}

async function check(name) {
  await shot(name);
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }));
  const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  scanned.push({ page: name, url: page.url(), violations: result.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })) });
  for (const v of bad) {
    problems.push(`${name} (${page.url()}): ${v.impact} ${v.id}: ${v.help} — ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join('; ')}`);
  }
  console.log(`ok ${step} ${name}: ${page.url()} (${result.violations.length} axe findings, ${bad.length} serious/critical)`);
}

function expect(cond, what) {
  if (!cond) { throw new Error(`expected ${what} on ${page.url()}`); }
}

try {
  // The contents page, from the file system.
  await page.goto(site('index.html'));
  expect((await page.title()).startsWith('Contents'), 'the contents page');
  expect(await page.getByRole('link', { name: 'Principle 8: Usability' }).count() === 1, 'a link to each section');
  await check('contents');

  // The offline search: type a phrase, get results, follow one to its paragraph.
  await page.getByLabel('Search this edition').fill(phrase);
  await page.keyboard.press('Enter');
  await page.waitForURL(/search\.html\?q=/);
  await page.locator('#search-results li').first().waitFor();
  const status = await page.textContent('#search-status');
  expect(/\d+ results? for/.test(status), `a result count, got "${status}"`);
  expect((await page.locator('#search-results mark').first().textContent()).length > 0, 'the phrase marked in a result');
  expect(await page.inputValue('#search-page-q') === phrase, 'the query kept in the search box');
  await check('search-results');
  const first = page.locator('#search-results li a').first();
  const href = await first.getAttribute('href');
  expect(/^sections\/[a-z0-9-]+\.html#(p-\d+|[a-z0-9-]+)$/.test(href), `a link to a paragraph, got ${href}`);
  await first.click();
  await page.waitForURL(/sections\/.+\.html#/);
  const target = await page.evaluate(() => document.querySelector(':target')?.textContent ?? '');
  expect(target.toLowerCase().includes(phrase.toLowerCase()), `the phrase in the linked paragraph, got "${target.slice(0, 120)}"`);
  await check('section');

  // Previous and next navigation between sections.
  const before = page.url();
  await page.locator('a[rel="next"]').click();
  expect(page.url() !== before && /sections\/.+\.html$/.test(page.url()), 'the next section');
  await page.locator('a[rel="prev"]').click();
  expect(page.url().split('#')[0] === before.split('#')[0], 'back to the section');

  // The changes page, from the site navigation.
  await page.getByRole('navigation', { name: 'Edition' }).getByRole('link', { name: 'What changed' }).click();
  expect(page.url().endsWith('changes.html'), 'the changes page');
  expect((await page.textContent('main')).includes('Compared with the previous edition'), 'the comparison');
  expect(await page.locator('section.change').count() > 0, 'changed sections');
  expect(await page.locator('section.change ins').count() > 0, 'inserted words marked');
  await check('changes');

  await page.getByRole('navigation', { name: 'Edition' }).getByRole('link', { name: 'Contributors' }).click();
  expect(await page.locator('li.contributor').count() > 0, 'contributors');
  await check('contributors');

  // As printed: the navigation, search and pager are hidden.
  await page.goto(site('sections/usability.html'));
  await page.emulateMedia({ media: 'print' });
  for (const sel of ['.site-nav', 'form.search', '.pager']) {
    const display = await page.locator(sel).evaluate((el) => getComputedStyle(el).display);
    expect(display === 'none', `${sel} hidden in print`);
  }
  await shot('section-print');
  await page.emulateMedia({ media: 'screen' });

  // With JavaScript off the search page says so and points to the contents.
  const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 700 } });
  const p2 = await noJs.newPage();
  await p2.goto(site('search.html') + '?q=' + encodeURIComponent(phrase));
  const text = await p2.textContent('main');
  expect(text.includes('Searching needs JavaScript'), 'the no-JavaScript message');
  await shot('search-without-javascript', p2);
  await noJs.close();

  expect(external.length === 0, `no requests off the file system, got ${external.join(', ')}`);
  expect(consoleErrors.length === 0, `no script errors, got ${consoleErrors.join('; ')}`);
} catch (e) {
  console.error(`FAILED at step ${step + 1}: ${e.message}`);
  await page.screenshot({ path: join(outDir, 'failure.png'), fullPage: true }).catch(() => {});
  writeFileSync(join(outDir, 'axe.json'), JSON.stringify(scanned, null, 2));
  await browser.close();
  process.exit(1);
}
writeFileSync(join(outDir, 'axe.json'), JSON.stringify(scanned, null, 2));
await browser.close();
if (problems.length > 0) {
  console.error(`serious or critical accessibility problems:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`the exported site works from file://; ${step} screenshots in ${outDir}`);

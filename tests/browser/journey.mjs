// The whole journey in a real browser, as people would do it, with an accessibility scan of
// every page. Usage: node journey.mjs BASE_URL MAINTAINER_EMAIL MAINTAINER_PASSWORD OUT_DIR
//
// Exits non-zero on the first failed step or on any serious or critical axe-core violation.
// Screenshots of every page go to OUT_DIR.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [base, adminEmail, adminPassword, outDir] = process.argv.slice(2);
if (!base || !adminEmail || !adminPassword || !outDir) {
  console.error('usage: node journey.mjs BASE_URL MAINTAINER_EMAIL MAINTAINER_PASSWORD OUT_DIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// The server's CSP forbids every script; bypassCSP lets the test inject axe-core only.
const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);

let step = 0;
const scanned = [];
const problems = [];

async function check(name) {
  step += 1;
  const file = join(outDir, `${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
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

async function expectText(text) {
  const body = await page.textContent('body');
  if (!body.includes(text)) {
    throw new Error(`expected "${text}" on ${page.url()}`);
  }
}

const stamp = Date.now();
const adminNewPassword = 'the maintainer chose this passphrase';
const visitor = { name: 'Val Visitor', email: `val${stamp}@example.org`, password: 'a long visitor password' };
const proposalTitle = 'Say who checks accessibility before launch';
const editionSlug = `spring-${stamp}`;

try {
  // A visitor arrives and signs up.
  await page.goto(base);
  await check('contents');
  await page.getByRole('link', { name: 'Sign up' }).first().click();
  await check('sign-up');
  await page.getByLabel('Your name').fill(visitor.name);
  await page.getByLabel('Email address').fill(visitor.email);
  await page.getByLabel('Password').fill(visitor.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expectText(`Signed in as ${visitor.name}`);

  // Opens a section and proposes a change with the form, previewing first.
  await page.getByRole('link', { name: 'Principle 8: Usability' }).click();
  await check('section');
  await page.getByLabel('Your comment on this section').fill('Could this section say who signs a service off?');
  await page.getByRole('button', { name: 'Add comment' }).click();
  await expectText('Could this section say who signs a service off?');
  await check('section-with-comment');
  await page.getByRole('link', { name: /Propose a change/ }).click();
  await check('propose');
  await page.getByLabel('Title').fill(proposalTitle);
  await page.getByLabel('Why this change helps').fill('Teams ask who signs a service off. Naming the check makes it happen.');
  const editor = page.getByLabel('Proposed text');
  const text = await editor.inputValue();
  const edited = text.replace('## What your standards should cover',
    'Before any service goes live, a named person checks it against your standards.\n\n## What your standards should cover');
  if (edited === text) throw new Error('could not find the place to edit in the usability section');
  await editor.fill(edited);
  await page.getByRole('button', { name: 'Preview' }).click();
  await check('propose-preview');
  await expectText('Before any service goes live');
  await page.getByRole('button', { name: 'Submit proposal' }).click();
  await page.waitForURL(/\/proposals\/\d+/);
  const proposalUrl = page.url();
  await check('proposal-by-author');

  // Comments on the proposal.
  const commentForm = page.locator('form[action$="/comments"]');
  await commentForm.locator('textarea[name="body"]').fill('I am happy to revise this after feedback.');
  await commentForm.locator('button[type="submit"]').click();
  await page.waitForURL(/\/proposals\/\d+/);
  await expectText('I am happy to revise this after feedback.');
  await page.getByRole('button', { name: 'Sign out' }).click();

  // The maintainer signs in, opens the proposal, sees the word diff, approves and merges.
  await page.goto(`${base}signin`);
  await check('sign-in');
  await page.getByLabel('Email address').fill(adminEmail);
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The printed password works once: it leads only to choosing a new one, and every other
  // page sends the maintainer back here until that is done.
  await page.waitForURL(/\/account\/password$/);
  await expectText('Choose a new password');
  await check('change-one-time-password');
  await page.goto(`${base}moderation`);
  await page.waitForURL(/\/account\/password$/);
  await page.getByLabel('New password').fill(adminPassword);
  await page.getByRole('button', { name: 'Save password' }).click();
  await expectText('Choose a password different');
  await page.getByLabel('New password').fill(adminNewPassword);
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.waitForURL(/\/account\?done=password$/);
  await expectText('Your password was changed');
  await expectText('Signed in as');

  // Appoints the visitor, who signed up, as a second maintainer.
  await page.getByRole('link', { name: 'Accounts' }).click();
  await check('accounts');
  await page.getByRole('button', { name: new RegExp(`^Make maintainer\\W+${visitor.name}$`) }).click();
  await expectText(`${visitor.name} is now a maintainer.`);
  await check('accounts-after-appointing');
  // A reset link for the visitor (shown to the maintainer to pass on): its page is checked,
  // not used.
  await page.getByRole('button', { name: new RegExp(`^Make a password reset link\\W+for ${visitor.name}$`) }).click();
  const resetLink = await page.locator('#reset-link').inputValue();
  if (!/\/reset\/[0-9a-f]{64}$/.test(resetLink)) throw new Error(`not a reset link: ${resetLink}`);
  await page.goto(resetLink);
  await expectText('Set a new password');
  await check('reset-link');

  // Makes an API token on the account page, uses it from a script, revokes it.
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByLabel('Name', { exact: true }).fill('journey script');
  await page.getByLabel('Expires after').selectOption('30');
  await page.getByRole('button', { name: 'Make token' }).click();
  await expectText('shown only this once');
  await check('account-with-new-token');
  const token = await page.locator('#new-token').inputValue();
  const api = () => fetch(`${base}api/v1/tokens`, { headers: { Authorization: `Bearer ${token}` } });
  let res = await api();
  if (res.status !== 200) throw new Error(`the new token was refused: ${res.status}`);
  const listed = await res.json();
  if (!listed.some(t => t.name === 'journey script' && t.expires)) {
    throw new Error(`the token list does not show the new token: ${JSON.stringify(listed)}`);
  }
  await page.goto(`${base}account`);
  await page.getByRole('button', { name: /^Revoke\W+the token journey script$/ }).click();
  await expectText('The token was revoked');
  res = await api();
  if (res.status !== 401) throw new Error(`a revoked token was accepted: ${res.status}`);
  const refusal = await res.json();
  if (refusal.error?.status !== 401) throw new Error(`a revoked token's refusal is not JSON: ${JSON.stringify(refusal)}`);

  await page.goto(`${base}moderation`);
  await check('moderation');
  await page.goto(`${base}proposals`);
  await check('proposals');
  await page.getByRole('link', { name: proposalTitle }).click();
  await check('proposal-for-maintainer');
  const inserted = await page.locator('.diff ins').count();
  if (inserted === 0) throw new Error('the proposal page shows no inserted words');
  await page.goto(`${proposalUrl}?view=side`);
  await check('proposal-side-by-side');
  await page.goto(proposalUrl);
  const review = page.locator('form[action$="/review"]');
  const approveRadio = review.locator('input[value="approve"]');
  if (await approveRadio.count()) {
    await approveRadio.check();
    await review.locator('button[type="submit"]').click();
  } else {
    await review.locator('button[value="approve"]').click();
  }
  await page.waitForURL(/\/proposals\/\d+/);
  await page.locator('form[action$="/merge"] button[type="submit"]').click();
  await page.waitForURL(/\/proposals\/\d+/);
  await expectText('merged');
  await check('proposal-merged');

  // And publishes an edition.
  await page.goto(`${base}publish`);
  await check('publish');
  await page.locator('input[name="slug"]').fill(editionSlug);
  await page.locator('input[name="title"]').fill('Spring conference edition');
  await page.locator('textarea[name="notes"]').fill('Launched at the spring conference.');
  await page.locator('form[action="/publish"] button[type="submit"]').click();
  await expectText(proposalTitle);
  await check('edition-changelog-for-maintainer');
  await page.getByRole('button', { name: 'Sign out' }).click();

  // The visitor sees the new edition and its changelog, crediting them.
  await page.goto(`${base}editions`);
  await check('editions');
  await page.getByRole('link', { name: /Spring conference edition/ }).first().click();
  await check('edition-contents');
  await page.goto(`${base}editions/${editionSlug}/changelog`);
  await expectText(proposalTitle);
  await expectText(visitor.name);
  await check('edition-changelog');
  await page.goto(`${base}compare`);
  await check('compare');

  // The visitor, now a maintainer, signs in and approves someone else's proposal; the
  // badge shows beside their name.
  await page.goto(`${base}signin`);
  await page.getByLabel('Email address').fill(visitor.email);
  await page.getByLabel('Password').fill(visitor.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectText(`Signed in as ${visitor.name}`);
  await page.goto(`${base}proposals?status=open`);
  const others = page.locator('table a[href^="/proposals/"]');
  if (await others.count() === 0) throw new Error('no open sample proposal to review');
  await others.first().click();
  await page.waitForURL(/\/proposals\/\d+/);
  const secondReview = page.locator('form[action$="/review"]');
  const secondApprove = secondReview.locator('input[value="approve"]');
  if (await secondApprove.count()) {
    await secondApprove.check();
    await secondReview.locator('button[type="submit"]').click();
  } else {
    await secondReview.locator('button[value="approve"]').click();
  }
  await page.waitForURL(/\/proposals\/\d+/);
  await expectText(`${visitor.name} Maintainer: approved`);
  await check('proposal-approved-by-second-maintainer');
  // A maintainer's approval of their own proposal does not count: they propose a change,
  // approve it, and the page says so and offers no merge.
  await page.goto(`${base}sections/usability`);
  await page.getByRole('link', { name: /Propose a change/ }).click();
  await page.getByLabel('Title').fill('Say who signs off a service');
  await page.getByLabel('Why this change helps').fill('Officers ask who signs off.');
  const ownEditor = page.getByLabel('Proposed text');
  const ownText = await ownEditor.inputValue();
  const ownEdited = ownText.replace('## What your standards should cover',
    'The service owner signs the service off.\n\n## What your standards should cover');
  if (ownEdited === ownText) throw new Error('could not find the place to edit for the own proposal');
  await ownEditor.fill(ownEdited);
  await page.getByRole('button', { name: 'Submit proposal' }).click();
  await page.waitForURL(/\/proposals\/\d+/);
  const ownReview = page.locator('form[action$="/review"]');
  const ownApprove = ownReview.locator('input[value="approve"]');
  if (await ownApprove.count()) {
    await ownApprove.check();
    await ownReview.locator('button[type="submit"]').click();
  } else {
    await ownReview.locator('button[value="approve"]').click();
  }
  await page.waitForURL(/\/proposals\/\d+/);
  await expectText(`The approval by ${visitor.name} does not count`);
  await check('own-approval-does-not-count');
  const ownUrl = page.url();
  // Post the merge form as the page would (its button's place on the page may vary).
  const mergeForm = page.locator('form[action$="/merge"]');
  if (await mergeForm.count()) {
    const csrf = await mergeForm.locator('input[name="csrf"]').inputValue();
    const action = await mergeForm.getAttribute('action');
    const r = await page.request.post(new URL(action, base).href, { form: { csrf }, maxRedirects: 0 });
    if (r.status() !== 409) throw new Error(`merging a proposal approved only by its author answered ${r.status()}`);
  }
  const ownNumber = ownUrl.match(/\/proposals\/(\d+)/)[1];
  const own = await (await fetch(`${base}api/v1/proposals/${ownNumber}`)).json();
  if (own.proposal?.status !== 'open') {
    throw new Error(`a proposal approved only by its author is ${own.proposal?.status}`);
  }
} catch (e) {
  await page.screenshot({ path: join(outDir, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`FAILED at step ${step + 1} on ${page.url()}: ${e.message}`);
  await browser.close();
  process.exit(1);
}

await browser.close();
writeFileSync(join(outDir, 'axe-report.json'), JSON.stringify(scanned, null, 2));
if (problems.length) {
  console.error(`accessibility: ${problems.length} serious or critical violations:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`journey passed: ${step} pages checked, no serious or critical axe-core violations`);

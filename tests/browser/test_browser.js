'use strict';
// test_browser.js - the web app in a real browser: Debian's Chromium
// (/usr/bin/chromium) driven by playwright-core, against a running
// `attune serve` on the demo clinic (tests/browser/run.sh starts it).
//
//   node test_browser.js BASE_URL
//
// The flow of issue 4: a therapist signs in, lets the client see their
// own course and creates a check-in link; the client opens it on a
// phone-sized screen, answers and sees the thank-you page; the therapist
// sees the new point on the chart (and the risk flag it raised), then
// enters a paper form and adds a client. Supervisor and admin pages
// (users, a password reset, access to one client, settings, the audit
// log and its CSV), one's own account, sign-in by keyboard alone, and the
// kind pages for used and unknown links come along.
// Every page gets an axe-core check (no serious or critical violation
// allowed), a check that no script error and no Content-Security-Policy
// refusal happened, and a screenshot in $ARTEFACTS. With
// ATTUNE_DOC_SHOTS=DIR the screenshots of the user guide are written
// to DIR too (docs/screenshots/).
//
// Output: one line per check, then "N passed, N failed"; exit 0 only
// when nothing failed.

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const axeSource = require('axe-core').source;

const BASE = (process.argv[2] || '').replace(/\/+$/, '');
const ART = process.env.ARTEFACTS || path.join(process.cwd(),
                                               'browser-artefacts');
const DOC_SHOTS = process.env.ATTUNE_DOC_SHOTS || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Generous: the server may run under AddressSanitizer on a busy 2-core
// machine. A step waits for what it needs, never for a fixed time.
const T = 90000;
const WATCHDOG_MS = Number(process.env.BROWSER_TEST_WATCHDOG_MS || 480000);

// The client the flow works on: added to therapist casey by run.sh.
const FLOW_THERAPIST = 'casey';
const FLOW_CLIENT = 'C-BT1';

let nPass = 0;
let nFail = 0;
const problems = [];     // script errors, CSP refusals, failed loads
const axeReport = [];    // every page's violations, for the artefacts

function ok(cond, what) {
  if (cond) {
    nPass++;
  } else {
    nFail++;
    console.log(`FAIL: ${what}`);
  }
  return cond;
}

// A check the rest of the flow depends on: stop here if it fails.
function must(cond, what) {
  if (!ok(cond, what))
    throw new Error(`stopped: ${what}`);
}

function log(msg) {
  console.log(`# ${msg}`);
}

// ---- Pages ----

// Watch a page for what a user would not see but must not happen.
function watch(page, who) {
  page.on('pageerror', (e) => {
    problems.push(`${who}: script error on ${page.url()}: ${e.message}`);
  });
  page.on('console', (m) => {
    const t = m.text();
    if (m.type() === 'error' &&
        /Content.Security.Policy|Refused to/i.test(t))
      problems.push(`${who}: ${page.url()}: ${t}`);
  });
  page.on('requestfailed', (r) => {
    const u = r.url();
    if (!u.endsWith('/favicon.ico'))
      problems.push(`${who}: request failed: ${u}: ` +
                    `${r.failure() ? r.failure().errorText : '?'}`);
  });
  page.on('response', (r) => {
    const q = r.request();
    // Documents are checked by each step (404 and 410 pages are wanted);
    // a style sheet or script that does not load is a fault.
    if (q.resourceType() !== 'document' && r.status() >= 400 &&
        !r.url().endsWith('/favicon.ico'))
      problems.push(`${who}: ${r.status()} for ${r.url()}`);
  });
}

function pathOf(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

// Open BASE + p (or a full URL); the status must be want.
async function open(page, p, want) {
  const url = /^https?:/.test(p) ? p : BASE + p;
  const resp = await page.goto(url, { waitUntil: 'load', timeout: T });
  must(resp !== null, `GET ${p}: a response`);
  ok(resp.status() === want, `GET ${p}: status ${resp.status()}, want ${want}`);
  return resp;
}

// Run action (a click that submits a form) and wait for the page it
// leads to; returns the status of the final document.
async function submit(page, action, what) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: T }),
    action(),
  ]);
  must(resp !== null, `${what}: a response`);
  return resp.status();
}

async function heading(page, name) {
  const h = page.getByRole('heading', { level: 1, name, exact: true });
  try {
    await h.waitFor({ state: 'visible', timeout: T });
  } catch (e) {
    const got = await page.locator('h1').allInnerTexts().catch(() => []);
    must(false, `heading "${name}" on ${pathOf(page)} (have ${JSON.stringify(got)})`);
  }
  ok(true, `heading "${name}"`);
}

async function visible(loc, what) {
  try {
    await loc.first().waitFor({ state: 'visible', timeout: T });
    return ok(true, what);
  } catch (e) {
    return ok(false, what);
  }
}

async function shot(page, name, opts = {}) {
  await page.screenshot({ path: path.join(ART, `${name}.png`),
                          fullPage: true, timeout: T });
  if (DOC_SHOTS && opts.doc) {
    await page.screenshot({ path: path.join(DOC_SHOTS, `${opts.doc}.png`),
                            fullPage: !!opts.docFull, timeout: T });
  }
}

// axe-core on the page as it is: no serious or critical violation.
async function audit(page, name) {
  await page.evaluate(axeSource);
  const v = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      resultTypes: ['violations'],
    });
    return r.violations.map((x) => ({
      id: x.id,
      impact: x.impact,
      help: x.help,
      nodes: x.nodes.map((n) => ({
        target: n.target.join(' '),
        html: n.html.slice(0, 300),
        summary: n.failureSummary,
      })),
    }));
  });
  axeReport.push({ page: name, path: pathOf(page), violations: v });
  const bad = v.filter((x) => x.impact === 'serious' ||
                              x.impact === 'critical');
  for (const x of v) {
    const line = `axe ${name}: ${x.impact} ${x.id} (${x.help}) at ` +
                 x.nodes.slice(0, 3).map((n) => n.target).join(', ');
    if (bad.includes(x))
      console.log(`  ${line}`);
    else
      log(line);
  }
  ok(bad.length === 0, `axe ${name}: no serious or critical violations`);
}

// The page fits a phone's width: nothing to scroll sideways. (On a
// phone the layout viewport grows to the content, so compare with the
// screen's width, not window.innerWidth.)
async function fitsWidth(page, name) {
  const view = page.viewportSize().width;
  const scroll = await page.evaluate(() => Math.max(
    document.documentElement.scrollWidth, document.body.scrollWidth));
  ok(scroll <= view,
     `${name}: fits the phone's width (${scroll}px in ${view}px)`);
}

// Every page: checked, and kept as a picture.
async function checkPage(page, name, opts) {
  await audit(page, name);
  await shot(page, name, opts);
}

// ---- Steps ----

async function signIn(page, user, password) {
  await open(page, '/login', 200);
  await heading(page, 'Sign in');
  await page.getByLabel('Username', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  const st = await submit(page, () => page.getByRole('button', {
    name: 'Sign in', exact: true }).click(), `sign in as ${user}`);
  must(st === 200, `sign in as ${user}: status ${st}`);
  ok(!pathOf(page).startsWith('/login'), `${user} is signed in`);
}

async function signOut(page) {
  const st = await submit(page, () => page.getByRole('button', {
    name: 'Sign out', exact: true }).click(), 'sign out');
  ok(st === 200, `sign out: status ${st}`);
  await heading(page, 'Sign in');
}

// The login form's labels, wrong password, and the therapist signs in.
async function loginPage(page) {
  await open(page, '/login', 200);
  await heading(page, 'Sign in');
  ok(await page.getByLabel('Username', { exact: true }).count() === 1,
     'login: a field labelled "Username"');
  ok(await page.getByLabel('Password', { exact: true }).count() === 1,
     'login: a field labelled "Password"');
  ok(await page.getByRole('button', { name: 'Sign in', exact: true })
               .count() === 1, 'login: a button "Sign in"');
  ok(await page.getByLabel('Password', { exact: true })
               .getAttribute('type') === 'password',
     'login: the password is not shown');
  await checkPage(page, 'login');

  await page.getByLabel('Username', { exact: true }).fill(FLOW_THERAPIST);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  const st = await submit(page, () => page.getByRole('button', {
    name: 'Sign in', exact: true }).click(), 'wrong password');
  ok(st === 401, `wrong password: status ${st}, want 401`);
  await visible(page.getByRole('alert').filter({
    hasText: 'That username and password do not match.' }),
  'wrong password: said in an alert');
  await checkPage(page, 'login-error');
}

// Chart points of the outcome chart: their titles ("PHQ-9, session 3: 12").
async function outcomePoints(page) {
  return page.locator('svg[aria-labelledby="outcome-t"] circle title')
             .allTextContents();
}

async function therapistFlow(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280,
                                                     height: 900 } });
  ctx.setDefaultTimeout(T);
  ctx.setDefaultNavigationTimeout(T);
  const page = await ctx.newPage();
  watch(page, 'therapist');

  await loginPage(page);
  await signIn(page, FLOW_THERAPIST, `${FLOW_THERAPIST}-demo-pass`);
  await heading(page, 'Your caseload');
  ok(pathOf(page) === '/caseload', 'a therapist starts on the caseload');
  await checkPage(page, 'caseload-casey', { doc: 'caseload' });

  // The client.
  const st = await submit(page, () => page.getByRole('link', {
    name: FLOW_CLIENT, exact: true }).click(), 'open the client');
  ok(st === 200, `client page: status ${st}`);
  await heading(page, `${FLOW_CLIENT} \u00b7 Robin T.`);
  const clientPath = pathOf(page);
  must(/^\/clients\/\d+$/.test(clientPath), `client page at ${clientPath}`);
  const before = await outcomePoints(page);
  ok(before.length === 3, `outcome chart has 3 points (${before.length})`);
  ok(before.includes('PHQ-9, session 3: 15'),
     `outcome chart shows session 3 (${before.join('; ')})`);
  await visible(page.getByRole('img', { name: /^Alliance of C-BT1: goals/ }),
                'alliance chart');
  await checkPage(page, 'client');

  // Let the client see their own course after a check-in.
  const allow = page.getByLabel('After a check-in, the client sees their ' +
                                'own alliance and progress charts');
  await allow.check();
  const st2 = await submit(page, () => page.getByRole('button', {
    name: 'Save', exact: true }).click(), 'allow the own view');
  ok(st2 === 200 && pathOf(page) === clientPath,
     `own view saved, back on the client (${st2} ${pathOf(page)})`);
  ok(await allow.isChecked(), 'the own view is allowed');

  // A check-in link with the default measures, for the next session.
  ok(await page.getByLabel('Patient Health Questionnaire-9').isChecked(),
     'PHQ-9 is ticked by default');
  ok(await page.getByLabel('Session number (empty: the next)')
               .inputValue() === '', 'session left empty: the next');
  const st3 = await submit(page, () => page.getByRole('button', {
    name: 'Create link', exact: true }).click(), 'create a link');
  ok(st3 === 201, `create link: status ${st3}`);
  await heading(page, 'A new check-in link');
  const link = (await page.locator('#link').textContent() || '').trim();
  must(/^http:\/\/127\.0\.0\.1:\d+\/c\/[A-Za-z0-9_-]{43}$/.test(link),
       `the link looks right (${link})`);
  await visible(page.getByRole('img', { name: 'QR code of the check-in link' }),
                'a QR code of the link');
  // attune.js runs under the Content-Security-Policy: it shows the
  // copy button.
  await visible(page.getByRole('button', { name: 'Copy link' }),
                'the "Copy link" button (attune.js ran)');
  await checkPage(page, 'link');

  return { ctx, page, link, clientPath, before };
}

// The client, on a phone: no account, the link only.
async function clientFlow(browser, link) {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  ctx.setDefaultTimeout(T);
  ctx.setDefaultNavigationTimeout(T);
  const page = await ctx.newPage();
  watch(page, 'client');

  await open(page, link, 200);
  await heading(page, 'Your check-in');
  const text = await page.locator('body').innerText();
  ok(!text.includes(FLOW_CLIENT) && !text.includes('Robin'),
     'the check-in shows no client code or name');
  ok(!text.includes('Sign out'), 'the check-in needs no account');
  await fitsWidth(page, 'check-in');
  await checkPage(page, 'checkin-phone', { doc: 'checkin-phone' });

  // Nothing answered: asked kindly, nothing spent.
  let st = await submit(page, () => page.getByRole('button', {
    name: 'Send my answers', exact: true }).click(), 'send nothing');
  ok(st === 400, `an empty check-in: status ${st}`);
  await visible(page.getByRole('alert').filter({
    hasText: 'Please answer at least one question.' }),
  'an empty check-in: said in an alert');
  await checkPage(page, 'checkin-phone-error');

  // PHQ-9: items 1-9 answered 1,2,1,2,1,2,1,2,1 (total 13; item 9 above
  // 0 raises the risk flag), item 10 "Somewhat difficult". The alliance
  // check-in: "Mostly true" to all seven. GAD-7 left out: answer what
  // you can.
  const phq = page.getByRole('group', { name: 'Patient Health Questionnaire-9',
                                        exact: true });
  const phqItems = phq.getByRole('group');
  must(await phqItems.count() === 10, 'PHQ-9 has 10 questions');
  const want = [1, 2, 1, 2, 1, 2, 1, 2, 1, 1];
  for (let i = 0; i < want.length; i++) {
    const radio = phqItems.nth(i).getByRole('radio').nth(want[i]);
    must(await radio.getAttribute('value') === String(want[i]),
         `PHQ-9 item ${i + 1}: option ${want[i]} has value ${want[i]}`);
    await radio.check();
  }
  const ally = page.getByRole('group', { name: /^Alliance check-in/ });
  const allyItems = ally.getByRole('group');
  must(await allyItems.count() === 7, 'the alliance check-in has 7 questions');
  for (let i = 0; i < 7; i++)
    await allyItems.nth(i).getByRole('radio', { name: 'Mostly true',
                                                exact: true }).check();
  const checked = await page.locator('input[type=radio]:checked').count();
  ok(checked === 17, `17 answers chosen (${checked})`);

  st = await submit(page, () => page.getByRole('button', {
    name: 'Send my answers', exact: true }).click(), 'send the answers');
  ok(st === 200, `check-in sent: status ${st}`);
  await heading(page, 'Thank you');
  await visible(page.getByRole('status').filter({
    hasText: 'Your answers have been saved.' }), 'the answers are saved');
  await visible(page.getByRole('heading', { name: 'Your course so far' }),
                'the client sees their own course');
  ok(await page.getByRole('img').count() === 2,
     'two charts of their own course');
  await fitsWidth(page, 'thank-you');
  await checkPage(page, 'checkin-phone-thanks');

  // Once only.
  await open(page, link, 410);
  await heading(page, 'This check-in is done');
  await checkPage(page, 'checkin-phone-used');
  await open(page, '/c/' + 'A'.repeat(43), 404);
  await heading(page, 'This link does not work');
  await fitsWidth(page, 'unknown link');
  await checkPage(page, 'checkin-phone-unknown');
  await ctx.close();
}

// The therapist sees the new point; then a paper form by hand.
async function therapistAfter(t) {
  const { page, clientPath, before } = t;

  await open(page, clientPath, 200);
  const after = await outcomePoints(page);
  ok(after.length === before.length + 1,
     `one more point on the chart (${before.length} -> ${after.length})`);
  ok(after.includes('PHQ-9, session 4: 13'),
     `the new point: PHQ-9 13 at session 4 (${after.join('; ')})`);
  const point = page.locator('svg[aria-labelledby="outcome-t"] circle')
                    .filter({ hasText: 'PHQ-9, session 4: 13' });
  await visible(point, 'the new point is drawn');
  await visible(page.getByRole('alert').filter({ hasText: 'PHQ-9, session 4' }),
                'the risk flag of session 4 is shown');
  await visible(page.getByRole('cell', { name: 'answered', exact: true }),
                'the link is marked answered');
  await checkPage(page, 'client-after');

  // A paper PHQ-9.
  await page.getByLabel('Questionnaire', { exact: true })
            .selectOption({ label: 'Patient Health Questionnaire-9' });
  let st = await submit(page, () => page.getByRole('button', {
    name: 'Open the form', exact: true }).click(), 'open the paper form');
  ok(st === 200, `paper form: status ${st}`);
  await heading(page, 'Enter Patient Health Questionnaire-9');
  await page.getByLabel('Session number', { exact: true }).fill('5');
  ok(/^\d{4}-\d\d-\d\d$/.test(await page.getByLabel('Date', { exact: true })
                                         .inputValue()),
     'the date is filled in');
  await checkPage(page, 'entry');
  st = await submit(page, () => page.getByRole('button', {
    name: 'Save answers', exact: true }).click(), 'save no answers');
  ok(st === 400, `a paper form without answers: status ${st}`);
  await visible(page.getByRole('alert').filter({
    hasText: 'No answer was entered.' }), 'no answers: said in an alert');
  await checkPage(page, 'entry-error');
  const items = page.getByRole('group', {
    name: 'Patient Health Questionnaire-9', exact: true }).getByRole('group');
  must(await items.count() === 10, 'the paper PHQ-9 has 10 questions');
  for (let i = 0; i < 10; i++)
    await items.nth(i).getByRole('radio').nth(0).check();
  st = await submit(page, () => page.getByRole('button', {
    name: 'Save answers', exact: true }).click(), 'save the paper form');
  ok(st === 200 && pathOf(page) === clientPath,
     `paper form saved, back on the client (${st} ${pathOf(page)})`);
  const last = await outcomePoints(page);
  ok(last.includes('PHQ-9, session 5: 0'),
     `the paper form's point: PHQ-9 0 at session 5 (${last.join('; ')})`);

  // A paper form with visual-analogue items (number fields).
  await open(page, `${clientPath}/entry?instrument=ors`, 200);
  await heading(page, 'Enter Outcome Rating Scale (adult)');
  ok(await page.getByRole('spinbutton').count() === 4,
     'the ORS has four number fields, each labelled');
  await checkPage(page, 'entry-ors');

  // A session transcript: the form, a refused one, the session mirror.
  await open(page, `${clientPath}/transcripts/new`, 200);
  await heading(page, 'Add a session transcript');
  await checkPage(page, 'transcript-new');
  await page.getByLabel('Session number', { exact: true }).fill('5');
  await page.getByLabel('Format', { exact: true }).selectOption('csv');
  await page.getByLabel('Transcript', { exact: true })
            .fill('speaker,words\nT,hello');
  st = await submit(page, () => page.getByRole('button', {
    name: 'Store and show the mirror', exact: true }).click(),
    'store a CSV transcript without its columns');
  ok(st === 400, `a CSV without the transcript columns: status ${st}, ` +
     'want 400');
  await checkPage(page, 'transcript-error');
  await page.getByLabel('Format', { exact: true }).selectOption('auto');
  await page.getByLabel('Transcript', { exact: true }).fill([
    'T: How have things been since last week?',
    'C: Fine.',
    'T: I wonder if last session felt like I pushed too hard.',
    'C: Maybe. It felt like you were not really listening to me.',
    'T: You are right, I got ahead of you. I am sorry about that.',
    'C: Thanks for saying that. I do want to keep working on this, ' +
      'I think talking to my sister would help.',
  ].join('\n'));
  st = await submit(page, () => page.getByRole('button', {
    name: 'Store and show the mirror', exact: true }).click(),
    'store a transcript');
  ok(st === 200 && /\/transcripts\/\d+$/.test(pathOf(page)),
     `the session mirror (${st} ${pathOf(page)})`);
  await heading(page, 'Session mirror: session 5');
  await checkPage(page, 'mirror', { doc: 'mirror' });
  await open(page, clientPath, 200);

  await open(page, '/clients/999999', 404);
  await heading(page, 'Not found');
  await checkPage(page, 'not-found');

  // A new client on the own caseload; a code in use is refused kindly.
  await open(page, '/caseload', 200);
  await page.getByLabel('Client code', { exact: true }).fill(FLOW_CLIENT);
  st = await submit(page, () => page.getByRole('button', {
    name: 'Add client', exact: true }).click(), 'add a client twice');
  ok(st === 409, `a code in use: status ${st}, want 409`);
  await visible(page.getByRole('alert').filter({
    hasText: 'That code is in use in this clinic' }), 'code in use: an alert');
  await checkPage(page, 'caseload-add-error');
  await page.getByLabel('Client code', { exact: true }).fill('C-BT2');
  await page.getByLabel('Name shown (optional)', { exact: true })
            .fill('Sam <b>B.</b>');
  st = await submit(page, () => page.getByRole('button', {
    name: 'Add client', exact: true }).click(), 'add a client');
  ok(st === 200 && /^\/clients\/\d+$/.test(pathOf(page)),
     `the new client's page (${st} ${pathOf(page)})`);
  await heading(page, 'C-BT2 \u00b7 Sam <b>B.</b>');

  // The therapist's own account: a wrong current password changes
  // nothing and says so.
  await submit(page, () => page.getByRole('link', {
    name: 'Your account', exact: true }).click(), 'open the account');
  await heading(page, 'Your account');
  await checkPage(page, 'account-therapist');
  await page.getByLabel('Current password', { exact: true })
            .fill('not-the-password');
  await page.getByLabel('New password', { exact: true })
            .fill('casey-new-password');
  await page.getByLabel('New password again', { exact: true })
            .fill('casey-new-password');
  st = await submit(page, () => page.getByRole('button', {
    name: 'Change password', exact: true }).click(), 'wrong current password');
  ok(st === 403, `a wrong current password: status ${st}, want 403`);
  await visible(page.getByRole('alert').filter({
    hasText: 'The current password is not right.' }),
  'wrong current password: an alert');
  await checkPage(page, 'account-error');
  await signOut(page);
  await t.ctx.close();
}

// A therapist who uses the keyboard only; the demo's own pages (the
// user guide's pictures).
async function keyboardTour(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280,
                                                     height: 860 } });
  ctx.setDefaultTimeout(T);
  ctx.setDefaultNavigationTimeout(T);
  const page = await ctx.newPage();
  watch(page, 'alex');

  await open(page, '/login', 200);
  await heading(page, 'Sign in');
  const focused = () => page.evaluate(() => document.activeElement &&
                                            document.activeElement.id);
  let n = 0;
  while (await focused() !== 'username' && n++ < 10)
    await page.keyboard.press('Tab');
  must(await focused() === 'username', 'Tab reaches "Username"');
  await page.keyboard.type('alex');
  await page.keyboard.press('Tab');
  ok(await focused() === 'password', 'Tab goes on to "Password"');
  await page.keyboard.type('alex-demo-pass');
  const st = await submit(page, () => page.keyboard.press('Enter'),
                          'sign in with Enter');
  ok(st === 200, `sign in by keyboard: status ${st}`);
  await heading(page, 'Your caseload');
  await checkPage(page, 'caseload');

  await submit(page, () => page.getByRole('link', {
    name: 'C-1001', exact: true }).click(), 'open C-1001');
  await visible(page.getByRole('heading', { level: 1, name: /^C-1001\b/ }),
                'the page of C-1001');
  ok((await outcomePoints(page)).length >= 10,
     'C-1001 has a course on the chart');
  await checkPage(page, 'client-demo', { doc: 'client', docFull: false });
  // A therapist on a phone: the charts and tables fit a narrow window.
  await page.setViewportSize({ width: 390, height: 844 });
  await fitsWidth(page, 'client page on a narrow window');
  await shot(page, 'client-demo-narrow');
  await page.setViewportSize({ width: 1280, height: 860 });
  await signOut(page);
  await ctx.close();
}

async function supervisorAndAdmin(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280,
                                                     height: 900 } });
  ctx.setDefaultTimeout(T);
  ctx.setDefaultNavigationTimeout(T);
  const page = await ctx.newPage();
  watch(page, 'sam/admin');

  await signIn(page, 'sam', 'sam-demo-pass');
  await heading(page, 'Supervisees\' clients');
  await visible(page.getByRole('columnheader', { name: 'Therapist' }),
                'the supervisor sees whose clients');
  await checkPage(page, 'caseload-supervisor');
  await submit(page, () => page.getByRole('link', { name: /^C-\d+$/ })
                               .first().click(), 'open a supervisee\'s client');
  await visible(page.getByText('Read-only: this client is not on your own ' +
                               'caseload.'), 'the supervisor reads only');
  ok(await page.getByRole('button', { name: 'Create link' }).count() === 0,
     'no link form for the supervisor');
  await checkPage(page, 'client-supervisor');
  await signOut(page);

  await signIn(page, 'admin', 'admin-demo-pass');
  await heading(page, 'Users and roles');
  await checkPage(page, 'admin-users', { doc: 'admin-users' });
  await page.getByLabel('Username', { exact: true }).fill('browser-test');
  await page.getByLabel('Name shown', { exact: true }).fill('Browser Test');
  await page.getByLabel('Role', { exact: true }).selectOption('therapist');
  await page.getByLabel('Password', { exact: true })
            .fill('browser-test-password');
  const st = await submit(page, () => page.getByRole('button', {
    name: 'Add user', exact: true }).click(), 'add a user');
  ok(st === 200, `add a user: status ${st}`);
  await visible(page.getByRole('status').filter({
    hasText: 'The user was added.' }), 'the user was added');
  await visible(page.getByRole('cell', { name: 'browser-test', exact: true }),
                'the new user is listed');
  await checkPage(page, 'admin-user-added');

  // One user: a new password set by the admin.
  let st2 = await submit(page, () => page.getByRole('link', {
    name: 'browser-test', exact: true }).click(), 'open a user');
  ok(st2 === 200, `a user's page: status ${st2}`);
  await heading(page, 'User browser-test');
  await checkPage(page, 'admin-user', { doc: 'admin-user' });
  await page.getByLabel('New password', { exact: true })
            .fill('browser-test-password-2');
  st2 = await submit(page, () => page.getByRole('button', {
    name: 'Set password', exact: true }).click(), 'set a password');
  ok(st2 === 200, `set a password: status ${st2}`);
  await visible(page.getByRole('status').filter({
    hasText: 'The password of browser-test was set' }), 'the password is set');

  // Access to one client of a colleague, by code.
  await submit(page, () => page.getByRole('link', {
    name: 'Access', exact: true }).click(), 'open the access page');
  await heading(page, 'Access to single clients');
  await page.getByLabel('Colleague', { exact: true })
            .selectOption({ label: 'browser-test (Browser Test)' });
  await page.getByLabel('Client code', { exact: true }).fill('C-1001');
  st2 = await submit(page, () => page.getByRole('button', {
    name: 'Give access', exact: true }).click(), 'give access');
  ok(st2 === 200, `give access: status ${st2}`);
  await visible(page.getByRole('cell', { name: 'C-1001', exact: true }),
                'the access is listed');
  await checkPage(page, 'admin-grants', { doc: 'admin-grants' });

  // Clinic settings.
  await submit(page, () => page.getByRole('link', {
    name: 'Settings', exact: true }).click(), 'open the settings');
  await heading(page, 'Clinic settings');
  await checkPage(page, 'admin-settings', { doc: 'admin-settings' });
  await page.getByLabel(/^A new link is valid for/).fill('5');
  st2 = await submit(page, () => page.getByRole('button', {
    name: 'Save settings', exact: true }).click(), 'save the settings');
  ok(st2 === 200, `save the settings: status ${st2}`);
  await visible(page.getByRole('status').filter({
    hasText: 'The settings were saved.' }), 'the settings are saved');
  ok(await page.getByLabel(/^A new link is valid for/).inputValue() === '5',
     'the link lifetime reads back as 5');

  // The audit log, filtered, and its CSV export.
  await submit(page, () => page.getByRole('link', {
    name: 'Audit log', exact: true }).click(), 'open the audit log');
  await heading(page, 'Audit log');
  await visible(page.getByRole('cell', { name: 'grant.add', exact: true }),
                'the grant is in the audit log');
  await checkPage(page, 'admin-audit', { doc: 'admin-audit' });
  await page.getByLabel('Action', { exact: true }).fill('auth.');
  st2 = await submit(page, () => page.getByRole('button', {
    name: 'Show', exact: true }).click(), 'filter the audit log');
  ok(st2 === 200, `filtered audit log: status ${st2}`);
  ok(await page.getByRole('cell', { name: 'grant.add', exact: true })
               .count() === 0, 'the filter leaves out other actions');
  await visible(page.getByRole('cell', { name: 'auth.login', exact: true }),
                'the filter keeps sign-ins');
  await checkPage(page, 'admin-audit-filtered');
  const csv = await page.request.get(BASE + '/admin/audit.csv?action=auth.');
  ok(csv.status() === 200, `CSV export: status ${csv.status()}`);
  ok(/^attachment; filename="attune-audit-\d{8}\.csv"$/.test(
       csv.headers()['content-disposition'] || ''),
     'the CSV comes as an attachment');
  ok((await csv.text()).startsWith('id,at,user_id,actor,origin,action,' +
                                   'object,detail\r\n'),
     'the CSV starts with its header line');

  await submit(page, () => page.getByRole('link', {
    name: 'Your account', exact: true }).click(), 'open the account');
  await heading(page, 'Your account');
  await checkPage(page, 'account', { doc: 'account' });
  await open(page, '/caseload', 403);
  await heading(page, 'Not allowed');
  await checkPage(page, 'forbidden');
  await open(page, '/admin/users', 200);
  await signOut(page);
  await ctx.close();
}

async function main() {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(BASE)) {
    console.error('usage: node test_browser.js http://127.0.0.1:PORT/');
    process.exit(2);
  }
  fs.mkdirSync(ART, { recursive: true });
  if (DOC_SHOTS)
    fs.mkdirSync(DOC_SHOTS, { recursive: true });

  const t0 = Date.now();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: T,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  log(`Chromium ${browser.version()} started in ${Date.now() - t0} ms`);
  const watchdog = setTimeout(() => {
    console.log(`FAIL: the browser tests took longer than ${WATCHDOG_MS} ms`);
    browser.close().finally(() => process.exit(1));
  }, WATCHDOG_MS);

  let current = null;
  const step = async (name, fn) => {
    const s = Date.now();
    try {
      await fn();
      log(`${name}: ${Date.now() - s} ms`);
    } catch (e) {
      ok(false, `${name}: ${e.message.split('\n')[0]}`);
      console.log(e.stack || e);
      // What the browser showed when it went wrong.
      for (const c of browser.contexts())
        for (const p of c.pages()) {
          const f = path.join(ART, `failed-${name}-${c.pages().indexOf(p)}`);
          await p.screenshot({ path: `${f}.png`, fullPage: true })
                 .catch(() => {});
          await p.content().then((h) => fs.writeFileSync(`${f}.html`, h))
                 .catch(() => {});
        }
      throw e;
    }
  };

  try {
    await step('therapist creates a link', async () => {
      current = await therapistFlow(browser);
    });
    await step('client answers on a phone', () =>
      clientFlow(browser, current.link));
    await step('therapist sees the new point', () => therapistAfter(current));
    await step('keyboard and the demo pages', () => keyboardTour(browser));
    await step('supervisor and admin', () => supervisorAndAdmin(browser));
  } catch (e) {
    // Counted and reported by step().
  } finally {
    clearTimeout(watchdog);
    await browser.close().catch(() => {});
  }

  for (const p of problems)
    console.log(`  ${p}`);
  ok(problems.length === 0,
     'no script error, CSP refusal or failed load on any page');
  fs.writeFileSync(path.join(ART, 'axe-report.json'),
                   JSON.stringify(axeReport, null, 1));
  log(`${axeReport.length} pages checked with axe-core; screenshots and ` +
      `axe-report.json in ${ART}`);
  log(`took ${Date.now() - t0} ms`);
  console.log(`${nPass} passed, ${nFail} failed`);
  process.exit(nFail === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log(`FAIL: ${e.stack || e}`);
  console.log(`${nPass} passed, ${nFail + 1} failed`);
  process.exit(1);
});

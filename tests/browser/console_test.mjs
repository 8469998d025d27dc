// The ops console in a real browser (issue 13, item 4): Debian's chromium,
// headless, driven by playwright-core. Run by console_test.cpp, which owns
// the processes (exchange-sim, riskgate, engine-sim with a live flow) and
// checks the simulators' own counts afterwards; this script only drives the
// page and reads what it shows.
//
//   node console_test.mjs --url http://127.0.0.1:PORT --operator-token T --admin-token T
//        --out DIR [--chromium /usr/bin/chromium] [--engine ENGINE1] [--exchange EXCH]
//
// Exit 0 when every step held; otherwise 1 with the step that failed. Prints
// one line `console-test result: {json}` with what it saw, and leaves
// screenshots in DIR. It stops by itself: every wait has a deadline and a
// watchdog ends the run after two minutes.
import {chromium} from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
for (const required of ['url', 'operator-token', 'admin-token', 'out']) {
  if (!args[required]) {
    console.error(`console_test: --${required} is required`);
    process.exit(2);
  }
}
const ENGINE = args.engine || 'ENGINE1';
const EXCHANGE = args.exchange || 'EXCH';
const OUT = args.out;
fs.mkdirSync(OUT, {recursive: true});

const WATCHDOG_MS = 120_000;
setTimeout(() => {
  console.error(`console_test: FAILED: still running after ${WATCHDOG_MS / 1000} s`);
  process.exit(3);
}, WATCHDOG_MS).unref();

const result = {screenshots: []};
let step = 'start';
const log = (...a) => console.log('console-test:', ...a);

function check(cond, what) {
  if (!cond) throw new Error(what);
}

// Polls `fn` until it returns a truthy value; that value, or an error naming
// `what` after `timeoutMs`.
async function waitFor(what, fn, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function shot(page, name) {
  const file = path.join(OUT, name);
  await page.screenshot({path: file, fullPage: true});
  result.screenshots.push(file);
  log('screenshot', file);
}

const num = (s) => Number(String(s).replace(/[^0-9.-]/g, '')) || 0;

// The cells of one engine-session row, by column.
async function engineRow(page, name) {
  const cells = await page.locator(`#engines tbody tr[data-key="${name}"] td`).allTextContents();
  if (cells.length < 8) return null;
  return {state: cells[1], version: cells[3], ordersIn: num(cells[4]), forwarded: num(cells[5]),
    refused: num(cells[6]), kill: cells[7]};
}
async function legRow(page, name) {
  const cells = await page.locator(`#legs tbody tr[data-key="${name}"] td`).allTextContents();
  if (cells.length < 6) return null;
  return {state: cells[1], killCancels: num(cells[2]), kill: cells[5]};
}

async function login(page, token, role) {
  await page.fill('#token', token);
  await page.click('#login');
  await waitFor(`the console logged in as ${role}`,
    async () => (await page.textContent('#who')).includes(`(${role})`));
  await page.waitForSelector('#console-view', {state: 'visible', timeout: 10_000});
}

async function dialogAction(page, reason, shotReason, shotConfirm) {
  await page.waitForSelector('#action-dialog[open]', {timeout: 5_000});
  // The confirmation step cannot be reached without a reason.
  await page.click('#action-next');
  check((await page.textContent('#action-error')).includes('reason is required'),
    'the dialog went on without a reason');
  check(await page.isHidden('#step-confirm'), 'the confirmation step showed without a reason');
  await page.fill('#action-reason', reason);
  if (shotReason) await shot(page, shotReason);
  await page.click('#action-next');
  await page.waitForSelector('#step-confirm', {state: 'visible', timeout: 5_000});
  check((await page.textContent('#action-confirm-text')).includes(reason),
    'the confirmation does not repeat the reason');
  if (shotConfirm) await shot(page, shotConfirm);
  await page.click('#action-confirm');
  await page.waitForSelector('#action-dialog', {state: 'hidden', timeout: 10_000});
}

// A request from the page's own origin with a given token, as a person could
// send from the browser's developer tools: the server decides, not the page.
async function postFromPage(page, pathName, token, body) {
  return page.evaluate(async ({pathName, token, body}) => {
    const r = await fetch(pathName, {method: 'POST', headers: {
      'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'},
    body: JSON.stringify(body)});
    return {status: r.status, body: await r.json()};
  }, {pathName, token, body});
}

const browser = await chromium.launch({
  executablePath: args.chromium || '/usr/bin/chromium',
  headless: true,
  // Root in CI: chromium's sandbox needs user namespaces it may not have.
  chromiumSandbox: false,
});
let failed = null;
try {
  const context = await browser.newContext({viewport: {width: 1360, height: 900}});
  const page = await context.newPage();
  const problems = [];
  // Page errors, CSP violations and failed loads, checked between the steps
  // that expect a refusal (the browser logs a 401 or 403 as an error).
  const noProblems = () => check(problems.length === 0, problems.join('; '));
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push('console error: ' + m.text());
  });
  // Nothing may leave for another origin (no CDN, no font, no analytics).
  const origin = new URL(args.url).origin;
  const foreign = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin + '/')) foreign.push(r.url());
  });

  step = 'open the console';
  const res = await page.goto(args.url + '/', {waitUntil: 'load'});
  check(res.status() === 200, `GET / answered ${res.status()}`);
  const headers = res.headers();
  check((headers['content-security-policy'] || '').includes("default-src 'self'"),
    'the page has no strict Content-Security-Policy');
  check(headers['x-frame-options'] === 'DENY', 'the page may be framed');
  await page.waitForSelector('#login-form', {state: 'visible'});
  await shot(page, '01-login.png');
  noProblems();

  step = 'a wrong token is refused';
  await page.fill('#token', 'not-a-token-0123456789');
  await page.click('#login');
  await waitFor('the login error', async () =>
    (await page.textContent('#login-error')).includes('Unknown token'));
  check(await page.isVisible('#login-form'), 'a wrong token opened the console');
  // The browser logs the 401 of that /whoami as a failed resource load: expected.
  problems.length = 0;

  step = 'log in as the operator';
  await login(page, args['operator-token'], 'operator');
  check(!page.url().includes(args['operator-token']), 'the token is in the URL');
  const storage = await page.evaluate(() => ({local: localStorage.length,
    session: sessionStorage.length, cookie: document.cookie,
    tokenInput: document.getElementById('token').value}));
  check(storage.local === 0 && storage.session === 0 && storage.cookie === '' &&
        storage.tokenInput === '', `the token left page memory: ${JSON.stringify(storage)}`);
  check((await context.cookies()).length === 0, 'the console set a cookie');

  step = 'see the flow live';
  const first = await waitFor(`${ENGINE} active with orders forwarded`, async () => {
    const r = await engineRow(page, ENGINE);
    return r && r.state === 'active' && r.forwarded > 0 ? r : null;
  });
  check(first.version.includes('approved'), `${ENGINE}'s version is not shown approved`);
  const live = await waitFor(`${ENGINE}'s forwarded count rising`, async () => {
    const r = await engineRow(page, ENGINE);
    return r && r.forwarded >= first.forwarded + 10 ? r : null;
  });
  const leg = await legRow(page, EXCHANGE);
  check(leg && leg.state === 'active', `${EXCHANGE} is not shown active`);
  check((await page.locator('#accounts tbody tr[data-key="ACC1"] meter').count()) === 3,
    'ACC1 has no exposure bars');
  result.forwarded_before_kill = live.forwarded;
  log(`${ENGINE} forwarded ${first.forwarded} then ${live.forwarded}`);
  await shot(page, '02-flow-live.png');

  step = 'kill the engine session';
  const reason = `browser test: operator halts ${ENGINE}`;
  await page.click(`#engines tbody tr[data-key="${ENGINE}"] button[data-action="kill"]`);
  await dialogAction(page, reason, '03-kill-reason.png', '04-kill-confirm.png');
  await waitFor('the kill acknowledged', async () =>
    (await page.textContent('#action-result')).includes('kill engaged'));

  step = 'see the kill: orders refused and cancelled';
  const killedAt = await waitFor(`${ENGINE} shown killed`, async () => {
    const r = await engineRow(page, ENGINE);
    return r && r.kill === 'KILLED' ? r : null;
  });
  const refusedRow = await waitFor(`${ENGINE}'s refused count rising under the kill`, async () => {
    const r = await engineRow(page, ENGINE);
    return r && r.refused >= killedAt.refused + 5 ? r : null;
  });
  await waitFor('a kill_switch refusal of the engine in the latest refusals', async () => {
    const rows = await page.locator('#refusals tbody tr').allTextContents();
    return rows.some((t) => t.includes(ENGINE) && t.includes('kill_switch'));
  });
  const cancelled = await waitFor(`working orders cancelled on ${EXCHANGE}`, async () => {
    const r = await legRow(page, EXCHANGE);
    return r && r.killCancels > 0 ? r : null;
  });
  const board = await page.locator('#kills tbody tr').allTextContents();
  check(board.some((t) => t.includes('session') && t.includes(ENGINE) && t.includes(reason) &&
                         t.includes('demo-operator')),
    `the kill board does not show the operator's kill: ${JSON.stringify(board)}`);
  result.refused_during_kill = refusedRow.refused;
  result.kill_cancels_shown = cancelled.killCancels;
  log(`${ENGINE} refused ${refusedRow.refused}; ${EXCHANGE} kill cancels ${cancelled.killCancels}`);
  await shot(page, '05-during-kill.png');

  noProblems();
  step = 'the operator is not offered release, and the server refuses it';
  check((await page.locator('button[data-action="release"]').count()) === 0,
    'release is offered to an operator');
  check(await page.isVisible('#release-note'), 'the operator is not told release needs an admin');
  const denied = await postFromPage(page, '/release', args['operator-token'],
    {scope: 'session', target: ENGINE, reason: 'operator tries anyway'});
  check(denied.status === 403, `an operator's release answered ${denied.status}`);
  problems.length = 0;  // The browser logs that 403 as a failed resource load: expected.
  result.operator_release_status = denied.status;
  await shot(page, '06-operator-cannot-release.png');

  step = 'log in as the admin and release';
  await page.click('#logout');
  await page.waitForSelector('#login-form', {state: 'visible'});
  check((await page.locator('#engines tbody tr').count()) === 0, 'data stayed after logout');
  await login(page, args['admin-token'], 'admin');
  await waitFor('release offered to the admin', async () =>
    (await page.locator(`#kills tbody tr[data-key="session/${ENGINE}"] ` +
                        'button[data-action="release"]').count()) === 1);
  const beforeRelease = await engineRow(page, ENGINE);
  await page.click(`#kills tbody tr[data-key="session/${ENGINE}"] button[data-action="release"]`);
  await dialogAction(page, `browser test: ${ENGINE} checked, resume`, null,
    '07-release-confirm.png');
  await waitFor('the release acknowledged', async () =>
    (await page.textContent('#action-result')).includes('kill released'));
  await waitFor(`${ENGINE} live again`, async () => {
    const r = await engineRow(page, ENGINE);
    return r && r.kill === 'live' && (await page.isVisible('#kills-empty'));
  });

  step = 'see the flow resume';
  const resumed = await waitFor(`${ENGINE} forwarding again`, async () => {
    const r = await engineRow(page, ENGINE);
    return r && r.forwarded >= beforeRelease.forwarded + 10 ? r : null;
  });
  result.forwarded_after_release = resumed.forwarded;
  log(`${ENGINE} forwarded ${beforeRelease.forwarded} at release, ${resumed.forwarded} after`);
  await shot(page, '08-flow-resumed.png');

  step = 'no page error, no CSP violation, nothing fetched from elsewhere';
  noProblems();
  check(foreign.length === 0, 'requests to other origins: ' + foreign.join(', '));
} catch (e) {
  failed = `${step}: ${e.message}`;
} finally {
  await browser.close();
}

console.log('console-test result: ' + JSON.stringify(result));
if (failed) {
  console.error('console_test: FAILED at ' + failed);
  process.exit(1);
}
log('every step held');

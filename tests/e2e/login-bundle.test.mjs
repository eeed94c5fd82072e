// The login page is the first thing every user downloads: what it loads (the entry
// chunk, the login view and whatever they import, JS and CSS) must stay within a
// budget. Modules and per-component Element Plus imports keep the pages' code and
// styles out of it; a change that pulls a page's dependency into the shell fails here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync, constants } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, settle as settleNetwork } from '../lib/browser.mjs';
import { signOutEverywhere } from './session-util.mjs';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '../../web/dist');
// Bytes of gzip (what is sent) of every .js and .css the login page loads. Measured
// when the web UI moved to modules (web/README.md): 269,850 B before (every Element
// Plus component and its CSS in the vendor chunk), 144,075 B after.
const BUDGET_GZ = 150 * 1024;

let srv, browser;

before(async () => {
  srv = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

// Raw and gzip sizes (as web/scripts/precompress.mjs writes the .gz the server sends).
function sizes(pathname) {
  const body = readFileSync(join(DIST, pathname));
  return { raw: body.length, gz: gzipSync(body, { level: constants.Z_BEST_COMPRESSION }).length };
}

test('the login page loads no more JS and CSS than its budget', async () => {
  await signOutEverywhere(browser);
  const page = await browser.newPage();
  const loaded = new Set();
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.origin === srv.url && /\.(js|css)$/.test(u.pathname)) loaded.add(u.pathname);
  });
  await page.goto(srv.url + '/login');
  await page.getByTestId('login-form').waitFor();
  await settleNetwork(page);
  await page.close();
  let raw = 0;
  let gz = 0;
  const rows = [];
  for (const p of [...loaded].sort()) {
    const s = sizes(p);
    raw += s.raw;
    gz += s.gz;
    rows.push(`${p.padEnd(48)} ${String(s.raw).padStart(8)} ${String(s.gz).padStart(8)}`);
  }
  const report = `${rows.join('\n')}\n${'total'.padEnd(48)} ${String(raw).padStart(8)} ${String(gz).padStart(8)}`;
  if (process.env.GZ_LOGIN_BUNDLE_REPORT) console.log(report);
  assert.ok(loaded.size > 0, 'the login page loaded its bundle');
  const pages = [...loaded].filter((p) => /echarts|View-/.test(p) && !/\/LoginView-/.test(p));
  assert.deepEqual(pages, [], 'the login page loads no other page and no charts');
  assert.ok(gz <= BUDGET_GZ, `login bundle ${gz} B gzip > budget ${BUDGET_GZ} B:\n${report}`);
});

// Accounts in the browser (issue 9, "Accounts"): a person changes their own password
// from the user menu; an administrator resets a password (one-time password shown once),
// and the user is sent to the password form before anything else; search, disable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { cliAddUser, DEFAULT_PASSWORD } from '../api/auth-util.mjs';
import { loginThroughForm, signOutEverywhere } from './session-util.mjs';

let srv, browser;

before(async () => {
  srv = await startServer();
  cliAddUser(srv, 'secretary', [['community_admin', '110105001001']]);
  cliAddUser(srv, 'worker', [['grid_worker', '110105001001001']], 'worker-first-pw');
  cliAddUser(srv, 'helper', [['volunteer', '110105001001001']], 'helper-first-pw');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('a user changes their own password from the user menu', async () => {
  await signOutEverywhere(browser);
  const page = await browser.newPage();
  await loginThroughForm(page, srv, 'worker', 'worker-first-pw');
  await page.getByTestId('user-menu').click();
  await page.getByTestId('change-password').click();
  const dialog = page.getByTestId('password-dialog');
  await dialog.getByTestId('password-form').waitFor();
  // A wrong current password: the server's answer under the field, nothing changed.
  await dialog.getByTestId('password-current').fill('not-my-password');
  await dialog.getByTestId('password-new').fill('worker-second-pw');
  await dialog.getByTestId('password-confirm').fill('worker-second-pw');
  await dialog.getByTestId('password-submit').click();
  await dialog.getByText('当前密码不正确').waitFor();
  // Confirmation that does not match is caught before sending.
  await dialog.getByTestId('password-current').fill('worker-first-pw');
  await dialog.getByTestId('password-confirm').fill('worker-other-pw');
  await dialog.getByTestId('password-submit').click();
  await dialog.getByText('两次输入的新密码不一致').waitFor();
  await dialog.getByTestId('password-confirm').fill('worker-second-pw');
  await dialog.getByTestId('password-submit').click();
  await page.getByText('密码已修改').first().waitFor();
  await dialog.waitFor({ state: 'hidden' });
  // The new password works, the old one does not.
  assert.equal((await api(srv, 'POST', '/api/v1/session', { username: 'worker', password: 'worker-first-pw' })).status, 401);
  assert.equal((await api(srv, 'POST', '/api/v1/session', { username: 'worker', password: 'worker-second-pw' })).status, 201);
  // This session stays.
  await page.goto(srv.url + '/dashboard');
  await page.getByRole('heading', { name: '工作台' }).waitFor();
  await page.close();
});

test('an administrator resets a password; the user must set a new one before anything else', async () => {
  await signOutEverywhere(browser);
  const page = await browser.newPage();
  await loginThroughForm(page, srv, 'secretary', DEFAULT_PASSWORD);
  await page.goto(srv.url + '/users');
  await page.getByTestId('user-search').fill('help');
  await page.getByTestId('user-search-submit').click();
  await page.getByTestId('user-row-helper').waitFor();
  await page.getByTestId('user-row-worker').waitFor({ state: 'detached' });
  await page.getByTestId('user-reset-helper').click();
  await page.getByRole('button', { name: '重置', exact: true }).click();
  const otpText = (await page.getByTestId('otp-value').innerText()).trim();
  assert.match(otpText, /^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$/);
  await page.getByTestId('otp-copy').waitFor();
  await page.getByTestId('otp-close').click();
  await page.getByTestId('otp-dialog').waitFor({ state: 'hidden' });
  // Disable and enable from the list.
  await page.getByTestId('user-toggle-helper').click();
  await page.getByRole('button', { name: '停用', exact: true }).last().click();
  await page.getByTestId('user-disabled-helper').waitFor();
  assert.equal((await api(srv, 'POST', '/api/v1/session', { username: 'helper', password: otpText })).status, 401);
  await page.getByTestId('user-toggle-helper').click();
  await page.getByRole('button', { name: '启用', exact: true }).last().click();
  await page.getByTestId('user-disabled-helper').waitFor({ state: 'detached' });
  await page.close();

  await signOutEverywhere(browser);
  const p2 = await browser.newPage();
  await loginThroughForm(p2, srv, 'helper', otpText);
  await p2.waitForURL(/\/password$/);
  await p2.getByTestId('password-required').waitFor();
  await p2.goto(srv.url + '/dashboard');
  await p2.waitForURL(/\/password$/);
  await p2.getByTestId('password-current').fill(otpText);
  await p2.getByTestId('password-new').fill('helper-own-password');
  await p2.getByTestId('password-confirm').fill('helper-own-password');
  await p2.getByTestId('password-submit').click();
  await p2.waitForURL(/\/dashboard$/);
  await p2.getByRole('heading', { name: '工作台' }).waitFor();
  await p2.close();
});

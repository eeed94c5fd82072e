// Helpers for browser tests that need a signed-in user.
//
//   await loginThroughForm(page, srv, 'wang', password);   // what a person does
//   await loginByApi(browser, srv, 'admin', password);     // sets the cookie only
//   await signOutEverywhere(browser);                      // forget every cookie
//
// The browser from launchBrowser() is one persistent context, so every page shares
// its cookies: tests that switch users clear them first.
import assert from 'node:assert/strict';

// Opens /login (optionally with ?redirect=) and submits the form; waits until the
// app has left /login.
export async function loginThroughForm(page, srv, username, password, { redirect } = {}) {
  const url = srv.url + '/login' + (redirect ? '?redirect=' + encodeURIComponent(redirect) : '');
  if (!page.url().startsWith(srv.url + '/login')) await page.goto(url);
  await fillLoginForm(page, username, password);
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

export async function fillLoginForm(page, username, password) {
  const form = page.getByTestId('login-form');
  await form.waitFor();
  await page.getByLabel('账号').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

// POST /api/v1/session through the context's request API: the Set-Cookie lands in
// the browser's cookie jar, as after a login in a page.
export async function loginByApi(browser, srv, username, password) {
  const r = await browser.context.request.post(srv.url + '/api/v1/session', {
    data: { username, password },
  });
  assert.equal(r.status(), 201, `login ${username}: ${await r.text()}`);
  const cookies = await browser.context.cookies(srv.url);
  assert.ok(cookies.some((c) => c.name === 'gz_session' && c.httpOnly), 'HttpOnly gz_session cookie set');
  return r.json();
}

export async function signOutEverywhere(browser) {
  await browser.context.clearCookies();
}

// The side menu's item titles, in order.
export async function navTitles(page) {
  const nav = page.getByTestId('nav');
  await nav.waitFor();
  return (await nav.locator('.nav-item').allInnerTexts()).map((t) => t.trim());
}

// Accounts, day to day (issue 9, "Accounts"): change my own password, an administrator's
// reset to a one-time password (and the change it forces), disable / re-enable, search.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { adminSession, cliAddUser, login, makeUser, sql, dumpDatabase } from './auth-util.mjs';

const STREET = '110105001';
const COMMUNITY = '110105001001';
const OTHER_COMMUNITY = '110105001002';

let srv, admin, secretary;
before(async () => {
  srv = await startServer();
  admin = await adminSession(srv);
  // Account admin over one community only.
  await makeUser(srv, admin, 'acct-sec', [['community_admin', COMMUNITY]], 'secretary-pw');
  secretary = await login(srv, 'acct-sec', 'secretary-pw');
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

const me = (s) => api(srv, 'GET', '/api/v1/me', undefined, s.bearer);
const audits = (action, id) =>
  sql(srv, `SELECT username, record_id, COALESCE(detail, '') FROM audit_log WHERE action = '${action}'` +
    (id ? ` AND record_id = '${id}'` : '') + ' ORDER BY id');

describe('change my own password', () => {
  test('checks the current password, keeps this session, ends the others, audits without the password', async () => {
    const u = await makeUser(srv, admin, 'self-change', [['resident', COMMUNITY + '001']], 'first-password');
    const here = await login(srv, 'self-change', 'first-password');
    const elsewhere = await login(srv, 'self-change', 'first-password');
    const r = await api(srv, 'POST', '/api/v1/me/password',
      { current_password: 'first-password', new_password: 'second-password-二' }, here.cookieWrite);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.must_change_password, false);
    assert.equal((await me(here)).status, 200, 'the session that changed it stays');
    assert.equal((await me(elsewhere)).status, 401, 'every other session ends');
    assert.equal((await api(srv, 'POST', '/api/v1/session', { username: 'self-change', password: 'first-password' })).status, 401);
    await login(srv, 'self-change', 'second-password-二');
    const rows = audits('user.password_change', u.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0][0], 'self-change');
    assert.ok(!dumpDatabase(srv).includes('second-password-二'), 'the password is stored only as a hash');
  });

  test('a wrong current password is 422 on current_password and changes nothing', async () => {
    await makeUser(srv, admin, 'self-wrong', [['resident', COMMUNITY + '001']], 'right-password');
    const s = await login(srv, 'self-wrong', 'right-password');
    const r = await api(srv, 'POST', '/api/v1/me/password',
      { current_password: 'not-the-password', new_password: 'another-password' }, s.bearer);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assertErrorShape(r.body);
    assert.ok(r.body.error.fields.current_password);
    await login(srv, 'self-wrong', 'right-password');
    assert.equal(audits('user.password_change_failed').length >= 1, true);
  });

  test('the new password obeys the password rules; bad bodies are refused', async () => {
    await makeUser(srv, admin, 'self-weak', [['resident', COMMUNITY + '001']], 'right-password');
    const s = await login(srv, 'self-weak', 'right-password');
    const cases = [
      [{ current_password: 'right-password', new_password: 'short' }, 'new_password'],
      [{ current_password: 'right-password', new_password: '七个字符不够' }, 'new_password'],
      [{ current_password: 'right-password', new_password: 'right-password' }, 'new_password'],
      [{ current_password: 'right-password' }, 'new_password'],
      [{ new_password: 'long-enough-pw' }, 'current_password'],
      [{ current_password: 'right-password', new_password: 'x'.repeat(1025) }, 'new_password'],
    ];
    for (const [body, field] of cases) {
      const r = await api(srv, 'POST', '/api/v1/me/password', body, s.bearer);
      assert.equal(r.status, 422, `${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body);
      assert.ok(r.body.error.fields[field], `field ${field}: ${JSON.stringify(r.body)}`);
    }
    await login(srv, 'self-weak', 'right-password');
    const cookieNoCsrf = await api(srv, 'POST', '/api/v1/me/password',
      { current_password: 'right-password', new_password: 'long-enough-pw' }, s.cookieHeaders);
    assert.equal(cookieNoCsrf.status, 403);
    const anon = await api(srv, 'POST', '/api/v1/me/password',
      { current_password: 'right-password', new_password: 'long-enough-pw' });
    assert.equal(anon.status, 401);
  });

  test('wrong current passwords count like failed logins: the sixth attempt is 429, even the right one', async () => {
    const rl = await startServer();
    try {
      cliAddUser(rl, 'guessed', [['resident', COMMUNITY + '001']], 'real-password');
      const s = await login(rl, 'guessed', 'real-password');
      for (let i = 0; i < 5; i++) {
        const r = await api(rl, 'POST', '/api/v1/me/password',
          { current_password: `guess-${i}-guess`, new_password: 'whatever-new' }, s.bearer);
        assert.equal(r.status, 422, `attempt ${i + 1}: ${JSON.stringify(r.body)}`);
      }
      const r = await api(rl, 'POST', '/api/v1/me/password',
        { current_password: 'real-password', new_password: 'whatever-new' }, s.bearer);
      assert.equal(r.status, 429, JSON.stringify(r.body));
      assertErrorShape(r.body, 'too_many_attempts');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
      // The failures are the account's: logging in from this address waits too.
      const li = await api(rl, 'POST', '/api/v1/session', { username: 'guessed', password: 'real-password' });
      assert.equal(li.status, 429);
    } finally {
      const log = rl.log();
      await rl.stop();
      assertNoSanitizerReport(log);
    }
  });
});

describe('administrator reset', () => {
  test('answers a one-time password once, ends every session, and forces a change before anything else', async () => {
    const u = await makeUser(srv, admin, 'reset-me', [['grid_worker', COMMUNITY + '001']], 'old-password');
    const s1 = await login(srv, 'reset-me', 'old-password');
    const r = await api(srv, 'POST', `/api/v1/users/${u.id}/password-reset`, undefined, secretary.bearer);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const otp = r.body.one_time_password;
    assert.match(otp, /^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$/);
    assert.equal(r.body.user.must_change_password, true);
    assert.match(r.headers.get('cache-control') || '', /no-store/);
    assert.equal((await me(s1)).status, 401, 'sessions end');
    assert.equal((await api(srv, 'POST', '/api/v1/session', { username: 'reset-me', password: 'old-password' })).status, 401);
    assert.ok(!dumpDatabase(srv).includes(otp), 'the one-time password is not stored');
    const rows = audits('user.password_reset', u.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0][0], 'acct-sec');
    assert.ok(!rows[0][2].includes(otp));

    // Logging in with it: must change first.
    const li = await api(srv, 'POST', '/api/v1/session', { username: 'reset-me', password: otp });
    assert.equal(li.status, 201, JSON.stringify(li.body));
    assert.equal(li.body.must_change_password, true);
    const s = await login(srv, 'reset-me', otp);
    const m = await me(s);
    assert.equal(m.status, 200);
    assert.equal(m.body.must_change_password, true);
    for (const [method, path] of [['GET', '/api/v1/users'], ['GET', '/api/v1/grids'],
      ['GET', '/api/v1/residents'], ['POST', '/api/v1/users']]) {
      const x = await api(srv, method, path, method === 'POST' ? {} : undefined, s.bearer);
      assert.equal(x.status, 403, `${method} ${path}: ${JSON.stringify(x.body)}`);
      assertErrorShape(x.body, 'password_change_required');
    }
    // The one-time password is the current password to give.
    const c = await api(srv, 'POST', '/api/v1/me/password',
      { current_password: otp, new_password: 'my-own-password' }, s.bearer);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const after = await me(s);
    assert.equal(after.body.must_change_password, false);
    assert.notEqual((await api(srv, 'GET', '/api/v1/residents', undefined, s.bearer)).status, 403);
    // Logging out was possible all along; the old one-time password no longer works.
    assert.equal((await api(srv, 'POST', '/api/v1/session', { username: 'reset-me', password: otp })).status, 401);
    const s2 = await login(srv, 'reset-me', 'my-own-password');
    assert.equal((await api(srv, 'DELETE', '/api/v1/session', undefined, s2.bearer)).status, 204);
  });

  test('logging out is allowed while a change is pending', async () => {
    const u = await makeUser(srv, admin, 'reset-out', [['resident', COMMUNITY + '001']], 'old-password');
    const r = await api(srv, 'POST', `/api/v1/users/${u.id}/password-reset`, undefined, admin.bearer);
    const s = await login(srv, 'reset-out', r.body.one_time_password);
    assert.equal((await api(srv, 'DELETE', '/api/v1/session', undefined, s.bearer)).status, 204);
  });

  test('out of scope is 404, as for a missing account; in scope without admin is 403; no Idempotency-Key', async () => {
    const other = await makeUser(srv, admin, 'reset-other', [['resident', OTHER_COMMUNITY + '001']], 'old-password');
    const r = await api(srv, 'POST', `/api/v1/users/${other.id}/password-reset`, undefined, secretary.bearer);
    assert.equal(r.status, 404, JSON.stringify(r.body));
    assertErrorShape(r.body, 'not_found');
    const missing = await api(srv, 'POST', '/api/v1/users/999999999/password-reset', undefined, secretary.bearer);
    assert.deepEqual(missing.body, r.body);
    assert.equal((await api(srv, 'POST', '/api/v1/users/abc/password-reset', undefined, secretary.bearer)).status, 404);
    await login(srv, 'reset-other', 'old-password'); // unchanged
    // An account with a grant beyond the secretary's community: visible, not theirs to reset.
    const wide = await makeUser(srv, admin, 'reset-wide', [['resident', COMMUNITY + '001'], ['street_supervisor', STREET]], 'old-password');
    const f = await api(srv, 'POST', `/api/v1/users/${wide.id}/password-reset`, undefined, secretary.bearer);
    assert.equal(f.status, 403, JSON.stringify(f.body));
    const worker = await makeUser(srv, admin, 'reset-worker', [['grid_worker', COMMUNITY + '001']], 'worker-pass');
    const ws = await login(srv, 'reset-worker', 'worker-pass');
    const w = await api(srv, 'POST', `/api/v1/users/${other.id}/password-reset`, undefined, ws.bearer);
    assert.equal(w.status, 404);
    const idem = await api(srv, 'POST', `/api/v1/users/${worker.id}/password-reset`, undefined,
      { ...secretary.bearer, 'Idempotency-Key': 'reset-1' });
    assert.equal(idem.status, 400, JSON.stringify(idem.body));
    assertErrorShape(idem.body, 'idempotency_not_supported');
    await login(srv, 'reset-worker', 'worker-pass'); // unchanged
  });
});

describe('disable and re-enable', () => {
  test('a disabled account cannot log in (the same 401 as a wrong password), its sessions end, lists show it', async () => {
    const u = await makeUser(srv, admin, 'to-disable', [['grid_worker', COMMUNITY + '001']], 'the-password');
    const s = await login(srv, 'to-disable', 'the-password');
    const r = await api(srv, 'POST', `/api/v1/users/${u.id}/disable`, undefined, secretary.cookieWrite);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.disabled, true);
    assert.equal((await me(s)).status, 401, 'sessions end at once');
    const disabled = await api(srv, 'POST', '/api/v1/session', { username: 'to-disable', password: 'the-password' });
    const wrong = await api(srv, 'POST', '/api/v1/session', { username: 'to-disable', password: 'wrong-password' });
    assert.equal(disabled.status, 401);
    assert.deepEqual(disabled.body, wrong.body, 'no oracle: same answer as a wrong password');
    assert.equal(disabled.headers.get('set-cookie'), wrong.headers.get('set-cookie'));
    const one = await api(srv, 'GET', `/api/v1/users/${u.id}`, undefined, secretary.bearer);
    assert.equal(one.body.disabled, true);
    const list = await api(srv, 'GET', '/api/v1/users?q=to-disable', undefined, secretary.bearer);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.items.map((x) => [x.username, x.disabled]), [['to-disable', true]]);
    assert.equal((await api(srv, 'POST', `/api/v1/users/${u.id}/disable`, undefined, secretary.bearer)).status, 409);
    assert.equal(audits('user.disable', u.id).length, 1);

    const e = await api(srv, 'POST', `/api/v1/users/${u.id}/enable`, undefined, secretary.bearer);
    assert.equal(e.status, 200, JSON.stringify(e.body));
    assert.equal(e.body.disabled, false);
    await login(srv, 'to-disable', 'the-password');
    assert.equal((await api(srv, 'POST', `/api/v1/users/${u.id}/enable`, undefined, secretary.bearer)).status, 409);
    assert.equal(audits('user.enable', u.id).length, 1);
  });

  test('nobody disables themselves (422); out of scope is 404', async () => {
    const self = await api(srv, 'POST', `/api/v1/users/${secretary.user.id}/disable`, undefined, secretary.bearer);
    assert.equal(self.status, 422, JSON.stringify(self.body));
    assertErrorShape(self.body, 'cannot_disable_self');
    assert.equal((await me(secretary)).status, 200);
    const other = await makeUser(srv, admin, 'disable-other', [['resident', OTHER_COMMUNITY + '001']], 'the-password');
    const r = await api(srv, 'POST', `/api/v1/users/${other.id}/disable`, undefined, secretary.bearer);
    assert.equal(r.status, 404);
    assertErrorShape(r.body, 'not_found');
    const en = await api(srv, 'POST', `/api/v1/users/${other.id}/enable`, undefined, secretary.bearer);
    assert.equal(en.status, 404);
    await login(srv, 'disable-other', 'the-password');
  });
});

describe('search', () => {
  test('q matches any part of the username or display name, inside the caller scope, with paging', async () => {
    const mk = (username, display_name, scope) => api(srv, 'POST', '/api/v1/users', {
      username, display_name, password: 'search-password', grants: [{ role: 'resident', scope }],
    }, admin.bearer);
    for (const [n, d, s] of [['srch-wang', '王小琳', COMMUNITY + '001'], ['srch-li', '李琳琳', COMMUNITY + '002'],
      ['srch-zhao', '赵一', COMMUNITY + '001'], ['srch-far', '远琳', OTHER_COMMUNITY + '001'],
      ['srch_under', '下划线', COMMUNITY + '001'], ['srchxunder', '无', COMMUNITY + '001'],
      ['srch-pct', '百分之100%', COMMUNITY + '001'], ['srch-pct2', '百分之1000', COMMUNITY + '001']]) {
      const r = await mk(n, d, s);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const names = async (q, who = secretary, extra = '') => {
      const r = await api(srv, 'GET', `/api/v1/users?q=${encodeURIComponent(q)}${extra}`, undefined, who.bearer);
      assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
      return r.body.items.map((x) => x.username).sort();
    };
    assert.deepEqual(await names('琳'), ['srch-li', 'srch-wang'], 'middle of a display name, in scope only');
    assert.deepEqual(await names('琳', admin), ['srch-far', 'srch-li', 'srch-wang']);
    assert.deepEqual(await names('ZHAO'), ['srch-zhao'], 'usernames are case-insensitive');
    assert.deepEqual(await names('h_u'), ['srch_under'], '_ matches itself only');
    assert.deepEqual(await names('100%'), ['srch-pct'], '% matches itself only');
    assert.deepEqual(await names('%'), ['srch-pct']);
    assert.deepEqual(await names('\\'), []);
    // Paging with q: two pages of one, then the end.
    const p1 = await api(srv, 'GET', `/api/v1/users?q=${encodeURIComponent('琳')}&limit=1`, undefined, secretary.bearer);
    assert.equal(p1.body.items.length, 1);
    assert.ok(p1.body.next_cursor);
    const p2 = await api(srv, 'GET', `/api/v1/users?q=${encodeURIComponent('琳')}&limit=1&cursor=${encodeURIComponent(p1.body.next_cursor)}`, undefined, secretary.bearer);
    assert.equal(p2.body.items.length, 1);
    assert.notEqual(p2.body.items[0].id, p1.body.items[0].id);
  });

  test('q must be 1..64 characters', async () => {
    for (const q of ['', 'x'.repeat(65), '琳'.repeat(65)]) {
      const r = await api(srv, 'GET', `/api/v1/users?q=${encodeURIComponent(q)}`, undefined, secretary.bearer);
      assert.equal(r.status, 400, `q of ${q.length}: ${JSON.stringify(r.body)}`);
      assertErrorShape(r.body);
    }
    const ok = await api(srv, 'GET', `/api/v1/users?q=${encodeURIComponent('琳'.repeat(64))}`, undefined, secretary.bearer);
    assert.equal(ok.status, 200);
  });
});

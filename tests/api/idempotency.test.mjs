// Idempotency-Key on creating requests (SPEC §7): a retried POST with the same key is
// answered with the first answer and creates nothing new; the same key with another
// body is refused; failures do not burn the key; keys are per user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { adminSession, makeUser, login } from './auth-util.mjs';

let srv, admin;

before(async () => {
  srv = await startServer();
  admin = await adminSession(srv);
});
after(async () => { await srv?.stop(); });

const withKey = (s, key) => ({ ...s.bearer, 'Idempotency-Key': key });

async function streetCount() {
  const r = await api(srv, 'GET', '/api/v1/streets?limit=200', undefined, admin.bearer);
  assert.equal(r.status, 200);
  return r.body.items.length;
}

test('a retried create with the same key answers the first result and creates one record', async () => {
  const body = { code: '110105002', name: '幂等街道' };
  const n0 = await streetCount();
  const first = await api(srv, 'POST', '/api/v1/streets', body, withKey(admin, 'k-street-1'));
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.headers.get('idempotent-replayed'), null);
  const again = await api(srv, 'POST', '/api/v1/streets', body, withKey(admin, 'k-street-1'));
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  // A replay carries the first answer, which may hold personal data: never cached.
  assert.equal(again.headers.get('cache-control'), 'no-store');
  assert.equal(first.headers.get('cache-control'), 'no-store');
  assert.deepEqual(again.body, first.body);
  assert.equal(await streetCount(), n0 + 1);
});

test('without a key a repeated create conflicts as usual', async () => {
  const body = { code: '110105003', name: '普通街道' };
  const a = await api(srv, 'POST', '/api/v1/streets', body, admin.bearer);
  assert.equal(a.status, 201);
  const b = await api(srv, 'POST', '/api/v1/streets', body, admin.bearer);
  assert.equal(b.status, 409);
});

test('the same key with a different body is refused and changes nothing', async () => {
  const n0 = await streetCount();
  const r = await api(srv, 'POST', '/api/v1/streets', { code: '110105004', name: '另一个' },
    withKey(admin, 'k-street-1'));
  assert.equal(r.status, 422);
  assert.equal(r.body.error.code, 'idempotency_key_reused');
  assert.equal(await streetCount(), n0);
});

test('a failed create does not use up its key', async () => {
  const bad = await api(srv, 'POST', '/api/v1/streets', { code: '12', name: '' }, withKey(admin, 'k-fix'));
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.code, 'invalid_fields');
  const good = await api(srv, 'POST', '/api/v1/streets', { code: '110105005', name: '改正后' },
    withKey(admin, 'k-fix'));
  assert.equal(good.status, 201, JSON.stringify(good.body));
  assert.equal(good.headers.get('idempotent-replayed'), null);
});

test('keys belong to one user: another user with the same key is not replayed', async () => {
  const u = await makeUser(srv, admin, 'idem-street', [['street_supervisor', '110105002']]);
  const s = await login(srv, 'idem-street', u.password);
  const r = await api(srv, 'POST', '/api/v1/communities', { code: '110105002001', name: '幂等社区' },
    withKey(s, 'k-street-1'));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.headers.get('idempotent-replayed'), null);
});

test('a malformed key is a 400 and changes nothing', async () => {
  const n0 = await streetCount();
  for (const key of ['', 'x'.repeat(256), 'has space', '中文']) {
    const res = await srv.fetch('/api/v1/streets', {
      method: 'POST',
      headers: { ...admin.bearer, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ code: '110105006', name: '坏键' }),
    }).catch((e) => ({ status: 'fetch-refused', e }));
    if (res.status === 'fetch-refused') continue; // fetch itself refuses non-ASCII header values
    assert.equal(res.status, 400, `key ${JSON.stringify(key)}`);
    const body = await res.json();
    assert.equal(body.error.code, 'bad_idempotency_key');
  }
  assert.equal(await streetCount(), n0);
});

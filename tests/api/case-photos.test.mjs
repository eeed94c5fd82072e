// Photos of cases (issue 10, Build 6): uploaded as the body (JPEG, PNG, WebP told by their
// bytes; a PDF sent as an image is 422; at most 5 MiB), named in a report and in the
// handler's feedback, listed in the timeline, served to whoever may read the case and to
// nobody else (404 as if none), never usable twice or by someone else.
// Runs on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, spawnServer, freshDatabase, api, cli } from '../lib/server.mjs';
import { adminSession, makeUser, login, sql } from './auth-util.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { FIXTURE, C1, C2, G1, G2 } from './people-util.mjs';
import { assertStoredOnDisk, mediaFiles, mediaPath, blobLiteral, sha256 } from './media-util.mjs';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const IN_G1 = { lat: 39.9018, lng: 116.4018 };
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF photo of the repaired lamp')]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([20, 0, 0, 0]), Buffer.from('WEBPVP8 fake but well-formed head')]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\n');

let srv, who = {};
before(async () => {
  srv = await startServer();
  const admin = await adminSession(srv);
  const imp = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.equal(imp.status, 201, JSON.stringify(imp.body));
  for (const [name, grants] of Object.entries({
    res: [['resident', G1]], res2: [['resident', G1]], staff: [['community_staff', C1]],
    staffB: [['community_staff', C2]], worker: [['grid_worker', G1]], worker2: [['grid_worker', G2]],
  })) {
    const u = await makeUser(srv, admin, null, grants);
    who[name] = { ...(await login(srv, u.username)), id: u.id };
  }
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

async function upload(bytes, type, as) {
  const r = await srv.fetch('/api/v1/case-photos', { method: 'POST', headers: { 'Content-Type': type, ...as.bearer }, body: bytes });
  const text = await r.text();
  return { status: r.status, body: (r.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text };
}
const act = (id, body, as) => api(srv, 'POST', `/api/v1/cases/${id}/actions`, body, as.bearer);
async function photo(url, as) {
  const r = await srv.fetch(url, { headers: as.bearer });
  return { status: r.status, type: r.headers.get('content-type'), bytes: Buffer.from(await r.arrayBuffer()), nosniff: r.headers.get('x-content-type-options') };
}

test('a resident reports with a photo; the handler feeds back with photos; each is read only by those who read the case', async () => {
  const up = await upload(PNG, 'image/png', who.res);
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.match(up.body.id, /^\d+$/);
  assert.equal(up.body.media_type, 'image/png');
  assert.equal(up.body.size, PNG.length);
  assert.match(up.body.sha256, /^[0-9a-f]{64}$/);

  // Someone else cannot use it; the owner can, once.
  let r = await api(srv, 'POST', '/api/v1/cases', { category: 'C0102', description: '路灯不亮', location: IN_G1, photos: [up.body.id] }, who.res2.bearer);
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.ok(r.body.error.fields.photos);
  const c = await api(srv, 'POST', '/api/v1/cases', { category: 'C0102', description: '路灯不亮', location: IN_G1, photos: [up.body.id] }, who.res.bearer);
  assert.equal(c.status, 201, JSON.stringify(c.body));
  r = await api(srv, 'POST', '/api/v1/cases', { category: 'C0102', description: '又一盏路灯不亮', location: IN_G1, photos: [up.body.id] }, who.res.bearer);
  assert.equal(r.status, 422, 'a photo is used once');
  assert.equal(sql(srv, "SELECT COUNT(*) FROM cases WHERE description = '又一盏路灯不亮'")[0][0], '0');

  let tl = await api(srv, 'GET', `/api/v1/cases/${c.body.id}/timeline`, undefined, who.res.bearer);
  assert.equal(tl.status, 200, JSON.stringify(tl.body));
  const att = tl.body.items[0].attachments;
  assert.equal(att.length, 1);
  assert.equal(att[0].sha256, up.body.sha256);
  assert.equal(att[0].url, `/api/v1/cases/${c.body.id}/photos/${up.body.sha256}`);
  for (const [name, status] of [['res', 200], ['staff', 200], ['worker', 200], ['res2', 404], ['staffB', 404], ['worker2', 404]]) {
    const p = await photo(att[0].url, who[name]);
    assert.equal(p.status, status, `${name} reads the photo`);
    if (status === 200) {
      assert.equal(p.type, 'image/png');
      assert.equal(p.nosniff, 'nosniff');
      assert.ok(p.bytes.equals(PNG));
    }
  }
  assert.equal((await photo(`/api/v1/cases/${c.body.id}/photos/${'0'.repeat(64)}`, who.res)).status, 404);
  assert.equal((await srv.fetch(att[0].url)).status, 401);

  // Accepted, left to the grid (属地), signed and handled by its grid worker with photos.
  assert.equal((await act(c.body.id, { action: 'accept' }, who.staff)).status, 200);
  assert.equal((await act(c.body.id, { action: 'dispatch' }, who.staff)).status, 200);
  assert.equal((await act(c.body.id, { action: 'sign' }, who.worker)).status, 200);
  const j = await upload(JPEG, 'image/jpeg', who.worker);
  const w = await upload(WEBP, 'image/webp', who.worker);
  assert.equal(j.status, 201, JSON.stringify(j.body));
  assert.equal(w.status, 201, JSON.stringify(w.body));
  r = await act(c.body.id, { action: 'handle', note: '已更换灯泡', photos: [j.body.id, w.body.id] }, who.worker);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  tl = await api(srv, 'GET', `/api/v1/cases/${c.body.id}/timeline`, undefined, who.res.bearer);
  const handle = tl.body.items.find((e) => e.action === 'handle');
  assert.deepEqual(handle.attachments.map((a) => a.media_type), ['image/jpeg', 'image/webp']);
  const p = await photo(handle.attachments[1].url, who.res);
  assert.equal(p.status, 200);
  assert.equal(p.type, 'image/webp');
  assert.equal(sql(srv, "SELECT COUNT(*) FROM audit_log WHERE action = 'case_photo.upload'")[0][0], '3');
});

test('bad photos: a PDF as an image, an empty or unknown file, the wrong type, too large, not an id list', async () => {
  let r = await upload(PDF, 'image/jpeg', who.res);
  assert.equal(r.status, 422, 'a PDF sent as image/jpeg');
  assertErrorShape(r.body, 'attachment_mismatch');
  r = await upload(PNG, 'image/jpeg', who.res);
  assert.equal(r.status, 422, 'a PNG claimed as JPEG');
  r = await upload(PDF, 'application/pdf', who.res);
  assert.equal(r.status, 415, 'PDF is no photo');
  r = await upload(Buffer.from('GIF89a....'), 'image/gif', who.res);
  assert.equal(r.status, 415);
  r = await upload(Buffer.alloc(0), 'image/png', who.res);
  assert.equal(r.status, 422);
  r = await upload(Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]), 'image/png', who.res);
  assert.equal(r.status, 413);
  const bad = await api(srv, 'POST', '/api/v1/cases', { category: 'C0102', description: 'x', location: IN_G1, photos: 'abc' }, who.res.bearer);
  assert.equal(bad.status, 422);
  assert.ok(bad.body.error.fields.photos);
  const many = await api(srv, 'POST', '/api/v1/cases', { category: 'C0102', description: 'x', location: IN_G1, photos: Array(10).fill('1') }, who.res.bearer);
  assert.equal(many.status, 422);
  assert.equal(sql(srv, "SELECT COUNT(*) FROM case_photos WHERE sha256 IN (SELECT sha256 FROM case_photo_blobs WHERE media_type = 'application/pdf')")[0][0], '0');
});

test('a photo is a file in the media store at its SHA-256; its rows keep no bytes; photos stored in the database before are still served', async () => {
  const bytes = Buffer.concat([JPEG, Buffer.from(` ${process.pid} ${Date.now()} 路灯`)]);
  const up = await upload(bytes, 'image/jpeg', who.res);
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.equal(up.body.sha256, sha256(bytes));
  assertStoredOnDisk(srv, 'case_photo_blobs', bytes);
  // The same bytes again: the same file, a second upload row.
  const again = await upload(bytes, 'image/jpeg', who.res);
  assert.equal(again.status, 201);
  assert.notEqual(again.body.id, up.body.id);
  assert.equal(again.body.sha256, up.body.sha256);
  const c = await api(srv, 'POST', '/api/v1/cases', { category: 'C0102', description: '路灯又坏了', location: IN_G1, photos: [up.body.id] }, who.res.bearer);
  assert.equal(c.status, 201, JSON.stringify(c.body));
  let p = await photo(`/api/v1/cases/${c.body.id}/photos/${up.body.sha256}`, who.staff);
  assert.equal(p.status, 200);
  assert.equal(p.type, 'image/jpeg');
  assert.equal(p.nosniff, 'nosniff');
  assert.ok(p.bytes.equals(bytes));

  // Refused uploads write no file.
  const n = mediaFiles(srv);
  assert.equal((await upload(PDF, 'image/jpeg', who.res)).status, 422);
  assert.equal((await upload(Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]), 'image/png', who.res)).status, 413);
  assert.equal(mediaFiles(srv), n);

  // A photo kept in the database (as before the media store) is served from it.
  const old = Buffer.concat([PNG, Buffer.from('stored in the database in 2025')]);
  const h = sha256(old);
  sql(srv, `INSERT INTO case_photo_blobs (sha256, media_type, size, data, created_at) VALUES ('${h}', 'image/png', ${old.length}, ${blobLiteral(srv, old)}, 0)`);
  sql(srv, `INSERT INTO case_photos (sha256, user_id, case_id, created_at) VALUES ('${h}', ${who.res.id}, ${c.body.id}, 0)`);
  assert.ok(!existsSync(mediaPath(srv, h)));
  p = await photo(`/api/v1/cases/${c.body.id}/photos/${h}`, who.staff);
  assert.equal(p.status, 200);
  assert.equal(p.type, 'image/png');
  assert.equal(p.nosniff, 'nosniff');
  assert.ok(p.bytes.equals(old));
  assert.equal((await photo(`/api/v1/cases/${c.body.id}/photos/${h}`, who.staffB)).status, 404);
});

test('gongzhi backup copies the media store next to the database copy, then only what it lacks', { skip: Boolean(process.env.GZ_TEST_DB && process.env.GZ_TEST_DB !== 'sqlite') && 'backup is SQLite-only' }, async () => {
  const bytes = Buffer.concat([PNG, Buffer.from(` backup ${Date.now()}`)]);
  const up = await upload(bytes, 'image/png', who.res);
  assert.equal(up.status, 201);
  const file = join(srv.dir, 'backup.db');
  const env = { ...process.env, GONGZHI_MEDIA_DIR: srv.mediaDir };
  let b = cli(['backup', file, '--db', srv.db], { env });
  assert.equal(b.code, 0, b.stderr);
  const copy = join(`${file}.media`, up.body.sha256.slice(0, 2), up.body.sha256.slice(2));
  assert.ok(readFileSync(copy).equals(bytes));
  assert.match(b.stdout, /media files copied to .*: [1-9]\d*/);
  b = cli(['backup', file, '--db', srv.db], { env });
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /media files copied to .*: 0\n/);
});

// The file is synced before the rows naming it commit: a process that dies right after
// the COMMIT (GONGZHI_TEST_FAULT, test builds) has the photo on disk with its row.
test('an upload whose process dies right after COMMIT is in the media store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gz-test-'));
  const db = freshDatabase(dir);
  const client = (p) => ({ db, dir, mediaDir: p.mediaDir, fetch: (path, init) => fetch(p.url + path, init) });
  const logs = [];
  try {
    let p = await spawnServer({ db, dir });
    const admin = await adminSession(client(p));
    logs.push(p.log());
    await p.stop();
    p = await spawnServer({ db, dir, env: { GONGZHI_TEST_FAULT: 'crash_after_commit' } });
    const bytes = Buffer.concat([JPEG, Buffer.from(' crash')]);
    const lost = await fetch(p.url + '/api/v1/case-photos', { method: 'POST', headers: { 'Content-Type': 'image/jpeg', ...admin.bearer }, body: bytes })
      .then((r) => r.status, (e) => e);
    assert.ok(lost instanceof Error, `the answer should be lost, got ${lost}`);
    await p.stop('SIGKILL');
    logs.push(p.log());
    assertStoredOnDisk(client(p), 'case_photo_blobs', bytes);
    for (const l of logs) assertNoSanitizerReport(l);
  } finally {
    if (!process.env.GZ_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  }
});

test('a server whose media directory cannot be used refuses to start, saying which', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gz-test-'));
  try {
    const db = freshDatabase(dir);
    const env = { ...process.env, GONGZHI_MEDIA_DIR: '/dev/null/media', GONGZHI_KEY_FILE: join(dir, 'gongzhi.key') };
    const r = cli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--access-log', 'off'], { env, timeout: 60000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /\/dev\/null\/media/);
  } finally {
    if (!process.env.GZ_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  }
});

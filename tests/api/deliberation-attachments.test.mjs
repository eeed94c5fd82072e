// Attachments of meetings (议事会, issue 12): staff who may record the meeting upload a
// PDF or a photo, checked by its bytes (gz_media_sniff); everyone in the topic's place
// sees them with the meeting and downloads them; out of scope is 404; wrong type, empty,
// over 10 MiB, unknown meeting change nothing; deleting is possible only while the
// meeting may still be recorded (meeting or voting).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../lib/server.mjs';
import { assertErrorShape, assertNoSanitizerReport } from './util.mjs';
import { sql } from './auth-util.mjs';
import { peopleWorld, auditCount, C1 } from './people-util.mjs';
import { assertStoredOnDisk } from './media-util.mjs';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% 会议纪要签字页\n%%EOF\n');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF photo of the meeting')]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([20, 0, 0, 0]), Buffer.from('WEBPVP8 fake but well-formed head')]);

let srv, w, staff, secretary, resident, topic, meeting, base;

const call = (method, path, body, who) => api(srv, method, path, body, who.bearer);
function expectError(r, status, code) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assertErrorShape(r.body, code);
}
async function upload(bytes, type, who, name, path = base) {
  const q = name === undefined ? '' : '?name=' + encodeURIComponent(name);
  const r = await srv.fetch(path + q, { method: 'POST', headers: { 'Content-Type': type, ...who.bearer }, body: bytes });
  const text = await r.text();
  return { status: r.status, body: (r.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text };
}
async function download(url, who) {
  const r = await srv.fetch(url, { headers: who.bearer });
  return { status: r.status, type: r.headers.get('content-type'), nosniff: r.headers.get('x-content-type-options'), disposition: r.headers.get('content-disposition'), bytes: Buffer.from(await r.arrayBuffer()) };
}
const files = () => Number(sql(srv, 'SELECT COUNT(*) FROM topic_meeting_attachments')[0][0]);
const blobs = () => Number(sql(srv, 'SELECT COUNT(*) FROM topic_meeting_blobs')[0][0]);

before(async () => {
  srv = await startServer();
  w = await peopleWorld(srv, { tag: 'ma' });
  staff = w.as.community_staff;
  secretary = w.as.community_admin;
  resident = w.as.resident;
  let r = await call('POST', '/api/v1/topics', { scope_code: C1, title: '小区停车位重新划线', body: '划线方案征求意见。' }, staff);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  topic = r.body;
  for (const stage of ['confirmed', 'consultation', 'meeting']) {
    r = await call('POST', `/api/v1/topics/${topic.id}/stage`, { stage }, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  r = await call('POST', `/api/v1/topics/${topic.id}/meetings`, {
    held_at: new Date(Date.now() - 3600000).toISOString(), place: '社区议事厅', minutes: '同意划线方案。',
    participants: [{ name: '王书记', actor: 'party' }, { name: '钱经理', actor: 'property' }],
  }, staff);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  meeting = r.body.meetings[0];
  assert.deepEqual(meeting.attachments, []);
  base = `/api/v1/topics/${topic.id}/meetings/${meeting.id}/attachments`;
});
after(async () => {
  if (!srv) return;
  const log = srv.log();
  await srv.stop();
  assertNoSanitizerReport(log);
});

test('staff attach the signed minutes and a photo; everyone in the place lists and downloads them', async () => {
  let r = await upload(PDF, 'application/pdf', staff, '议事会纪要（签字版）.pdf');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  let m = r.body.meetings[0];
  assert.equal(m.attachments.length, 1);
  const a = m.attachments[0];
  assert.equal(a.name, '议事会纪要（签字版）.pdf');
  assert.equal(a.media_type, 'application/pdf');
  assert.equal(a.size, PDF.length);
  assert.equal(a.uploaded_by, staff.user.username);
  assert.match(a.sha256, /^[0-9a-f]{64}$/);
  assert.ok(a.created_at);
  assert.equal(a.url, `${base}/${a.id}`);
  assert.equal(assertStoredOnDisk(srv, 'topic_meeting_blobs', PDF), a.sha256);
  for (const [bytes, type] of [[JPEG, 'image/jpeg'], [PNG, 'image/png'], [WEBP, 'image/webp']]) {
    r = await upload(bytes, type, secretary, '现场照片');
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  assert.equal(auditCount(srv, 'topic.meeting_attachment'), 4);
  // A resident of a grid in the community reads the topic with its files.
  const t = await call('GET', `/api/v1/topics/${topic.id}`, undefined, resident);
  assert.equal(t.status, 200);
  m = t.body.meetings[0];
  assert.deepEqual(m.attachments.map((x) => x.media_type), ['application/pdf', 'image/jpeg', 'image/png', 'image/webp']);
  const d = await download(a.url, resident);
  assert.equal(d.status, 200);
  assert.equal(d.type, 'application/pdf');
  assert.equal(d.nosniff, 'nosniff');
  assert.equal(d.disposition, `attachment; filename="meeting-${meeting.id}-${a.id}.pdf"; filename*=UTF-8''${encodeURIComponent(a.name)}`);
  assert.ok(d.bytes.equals(PDF));
  // The same bytes twice are stored once.
  r = await upload(PDF, 'application/pdf', staff, '纪要副本.pdf');
  assert.equal(r.status, 201);
  assert.equal(files(), 5);
  assert.equal(blobs(), 4);
});

test('bad input: wrong type, a file that is not what it claims, empty, too large, bad name → 4xx, nothing changed', async () => {
  const before = [files(), blobs(), auditCount(srv)];
  let r = await upload(PDF, 'image/jpeg', staff, 'x');
  expectError(r, 422, 'attachment_mismatch');
  r = await upload(PNG, 'application/pdf', staff, 'x');
  expectError(r, 422, 'attachment_mismatch');
  r = await upload(Buffer.from('GIF89a....'), 'image/gif', staff, 'x');
  assert.equal(r.status, 415);
  r = await upload(Buffer.from('<html>'), 'text/html', staff, 'x');
  assert.equal(r.status, 415);
  r = await upload(Buffer.alloc(0), 'application/pdf', staff, 'x');
  expectError(r, 422, 'empty_file');
  r = await upload(Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]), 'application/pdf', staff, 'big.pdf');
  assert.equal(r.status, 413);
  r = await upload(PDF, 'application/pdf', staff, 'a/b.pdf');
  expectError(r, 400, 'bad_query');
  r = await upload(PDF, 'application/pdf', staff, 'a\u0001b.pdf');
  expectError(r, 400, 'bad_query');
  r = await upload(PDF, 'application/pdf', staff, '长'.repeat(101));
  expectError(r, 400, 'bad_query');
  assert.deepEqual([files(), blobs(), auditCount(srv)], before);
});

test('who: residents may not upload (403); out of scope, unknown topic or meeting → 404', async () => {
  const before = [files(), blobs()];
  let r = await upload(PDF, 'application/pdf', resident, 'x.pdf');
  expectError(r, 403, 'forbidden');
  r = await upload(PDF, 'application/pdf', w.ca2, 'x.pdf');
  expectError(r, 404, 'not_found');
  r = await upload(PDF, 'application/pdf', staff, 'x.pdf', `/api/v1/topics/${topic.id}/meetings/999999/attachments`);
  expectError(r, 404, 'not_found');
  r = await upload(PDF, 'application/pdf', staff, 'x.pdf', `/api/v1/topics/999999/meetings/${meeting.id}/attachments`);
  expectError(r, 404, 'not_found');
  assert.deepEqual([files(), blobs()], before);
  const t = await call('GET', `/api/v1/topics/${topic.id}`, undefined, staff);
  const url = t.body.meetings[0].attachments[0].url;
  let d = await download(url, w.ca2);
  assert.equal(d.status, 404);
  d = await download(url.replace(/\/\d+$/, '/999999'), staff);
  assert.equal(d.status, 404);
  d = await download(url.replace(`/meetings/${meeting.id}/`, '/meetings/999999/'), staff);
  assert.equal(d.status, 404);
  const out = await download(url.replace(`/topics/${topic.id}/`, '/topics/999999/'), staff);
  assert.equal(out.status, 404);
});

test('delete: staff while the meeting may be recorded; after voting the record is final (409)', async () => {
  let t = await call('GET', `/api/v1/topics/${topic.id}`, undefined, staff);
  const list = t.body.meetings[0].attachments;
  const copy = list.find((x) => x.name === '纪要副本.pdf');
  let r = await call('DELETE', copy.url, undefined, resident);
  expectError(r, 403, 'forbidden');
  r = await call('DELETE', copy.url, undefined, w.ca2);
  expectError(r, 404, 'not_found');
  const nb = blobs();
  r = await call('DELETE', copy.url, undefined, staff);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.meetings[0].attachments.length, list.length - 1);
  assert.equal(blobs(), nb, 'the bytes stay while the original uses them');
  assert.equal(auditCount(srv, 'topic.meeting_attachment_delete'), 1);
  r = await call('DELETE', copy.url, undefined, staff);
  expectError(r, 404, 'not_found');
  const photo = list.find((x) => x.media_type === 'image/webp');
  r = await call('DELETE', photo.url, undefined, staff);
  assert.equal(r.status, 200);
  assert.equal(blobs(), nb - 1, 'the last use takes its bytes with it');
  // Past voting (publicity) the meeting's record is final.
  for (const stage of ['voting', 'publicity']) {
    r = await call('POST', `/api/v1/topics/${topic.id}/stage`, { stage, publicity_days: 7 }, secretary);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const pdf = list.find((x) => x.media_type === 'application/pdf');
  r = await call('DELETE', pdf.url, undefined, staff);
  assert.equal(r.status, 409, JSON.stringify(r.body));
  r = await upload(PDF, 'application/pdf', staff, 'late.pdf');
  assert.equal(r.status, 409, JSON.stringify(r.body));
  const d = await download(pdf.url, resident);
  assert.equal(d.status, 200, 'still readable');
});

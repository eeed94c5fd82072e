// The media store (src/core/blobstore.h): uploaded files live on disk at
// MEDIA/ab/cdef… by the SHA-256 of their bytes, and their database rows keep no bytes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from './auth-util.mjs';

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
export const mediaPath = (srv, sha) => join(srv.mediaDir, sha.slice(0, 2), sha.slice(2));

// bytes are the file at their address, readable by the server's user only, and the row
// of table whose `key` column is sha holds no bytes (data empty) but their size.
export function assertStoredOnDisk(srv, table, bytes, key = 'sha256') {
  const sha = sha256(bytes);
  const path = mediaPath(srv, sha);
  assert.ok(existsSync(path), `${table}: ${sha} is in the media store`);
  assert.ok(readFileSync(path).equals(bytes), `${table}: the stored file is the upload`);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const rows = sql(srv, `SELECT size, length(data) FROM ${table} WHERE ${key} = '${sha}'`);
  assert.ok(rows.length >= 1, `${table} has a row for ${sha}`);
  for (const [size, inDb] of rows) {
    assert.equal(size, String(bytes.length));
    assert.equal(inDb, '0', `${table} keeps no bytes of ${sha}`);
  }
  return sha;
}

// How many files the media store holds (temporaries included: a failed write leaves none).
export function mediaFiles(srv) {
  if (!existsSync(srv.mediaDir)) return 0;
  let n = 0;
  for (const sub of readdirSync(srv.mediaDir)) n += readdirSync(join(srv.mediaDir, sub)).length;
  return n;
}

// A value of a {{BLOB}} column written by SQL, for rows stored as before the media store.
export const blobLiteral = (srv, bytes) =>
  srv.db.startsWith('sqlite:') ? `X'${bytes.toString('hex')}'` : `decode('${bytes.toString('hex')}', 'hex')`;

// Shared set-up for the people tests (residents, imports, personal data): the grid
// fixture, a building, one account per role, valid ID numbers and CSV text.
//
//   const w = await peopleWorld(srv);        // grids, a building in G1, accounts
//   await api(srv, 'GET', '/api/v1/residents', undefined, w.as.grid_worker.bearer);
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, ROOT } from '../lib/server.mjs';
import { opsSession, makeUser, login, sql } from './auth-util.mjs';

export const STREET = '110101001';
export const C1 = '110101001001';
export const C2 = '110101001002';
export const G1 = C1 + '001';
export const G2 = C1 + '002';
export const C2G1 = C2 + '001';
export const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/grids_ok.geojson'), 'utf8'));

// GB 11643 check character for 17 digits.
export function idCheck(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * w[i];
  return '10X98765432'[s % 11];
}

// A valid ID number: region (6 digits), birth date YYYYMMDD, sequence (0..999).
export function idNumber(birth = '19800101', seq = 1, region = '110101') {
  const first = region + birth + String(seq).padStart(3, '0');
  return first + idCheck(first);
}

// The same with a wrong check character.
export function badIdNumber(birth = '19800101', seq = 1) {
  const good = idNumber(birth, seq);
  const wrong = good[17] === '0' ? '1' : '0';
  return good.slice(0, 17) + wrong;
}

// A unique-ish mobile number for the i-th person of a test file.
export const phone = (prefix, i) => `1${prefix}${String(i).padStart(8, '0')}`.slice(0, 11);

export function csv(rows) {
  return rows.map((r) => r.map((c) => {
    const s = String(c ?? '');
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',')).join('\r\n') + '\r\n';
}

// Which roles hold what on residents (docs/SECURITY.md, "Personal data"): r w a v.
export const RESIDENT_POLICY = {
  resident: '----', grid_worker: 'rw-v', party_member: '----', volunteer: '----',
  community_staff: 'rw-v', community_admin: 'rw-v', unit_contact: '----', property: '----',
  department: '----', street_supervisor: 'rw-v', system_admin: 'rwav',
};
export const ROLES = Object.keys(RESIDENT_POLICY);
export const may = (role, letter) => RESIDENT_POLICY[role].includes(letter);

// Where each role's test account sits: grid roles in G1, community roles in C1, the
// street supervisor in the street, system_admin at "" (the CLI's first administrator).
export function roleScope(role) {
  if (role === 'resident' || role === 'grid_worker') return G1;
  if (role === 'street_supervisor') return STREET;
  if (role === 'system_admin') return '';
  return C1;
}

export async function peopleWorld(srv, { tag = 'w' } = {}) {
  const admin = await opsSession(srv);
  let r = await api(srv, 'POST', '/api/v1/grids/import', FIXTURE, admin.bearer);
  assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.body));
  r = await api(srv, 'POST', '/api/v1/buildings', { name: '1号楼', address: '多福巷1号', lat: 39.9002, lng: 116.4002 }, admin.bearer);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.grid_code, G1);
  const building = r.body;
  const as = { system_admin: admin };
  for (const role of ROLES) {
    if (role === 'system_admin') continue;
    const name = `${tag}-${role.replace(/_/g, '-')}`;
    await makeUser(srv, admin, name, [[role, roleScope(role)]], `${name}-password`);
    as[role] = await login(srv, name, `${name}-password`);
  }
  // Out of scope: a grid worker of G2 and a community admin of C2.
  await makeUser(srv, admin, `${tag}-gw2`, [['grid_worker', G2]], `${tag}-gw2-password`);
  const gw2 = await login(srv, `${tag}-gw2`, `${tag}-gw2-password`);
  await makeUser(srv, admin, `${tag}-ca2`, [['community_admin', C2]], `${tag}-ca2-password`);
  const ca2 = await login(srv, `${tag}-ca2`, `${tag}-ca2-password`);
  return { admin, as, gw2, ca2, building };
}

// Row counts of every people table plus the audit log, for "nothing changed" checks.
export function peopleCounts(srv) {
  const [row] = sql(srv, `SELECT
    (SELECT COUNT(*) FROM residents), (SELECT COUNT(*) FROM households),
    (SELECT COUNT(*) FROM units), (SELECT COUNT(*) FROM unit_owners),
    (SELECT COUNT(*) FROM resident_tags), (SELECT COUNT(*) FROM resident_id_keys),
    (SELECT COUNT(*) FROM resident_phone_keys),
    (SELECT n FROM record_counts WHERE name = 'residents'),
    (SELECT n FROM record_counts WHERE name = 'units'),
    (SELECT n FROM record_counts WHERE name = 'households')`);
  const [residents, households, units, owners, tags, idKeys, phoneKeys, nRes, nUnits, nHh] = row.map(Number);
  return { residents, households, units, owners, tags, idKeys, phoneKeys, nRes, nUnits, nHh };
}

export const auditCount = (srv, action) => Number(sql(srv,
  action ? `SELECT COUNT(*) FROM audit_log WHERE action = '${action}'` : 'SELECT COUNT(*) FROM audit_log')[0][0]);

// Posts a file to an import route.
export function postFile(srv, path, body, who, type = 'text/csv') {
  return api(srv, 'POST', path, typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
    { ...who.bearer, 'Content-Type': type });
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

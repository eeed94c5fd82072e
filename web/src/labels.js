// Chinese labels and formatters shared by pages.
//
// The label tables by name (record counts, audit actions, record types, roles) are
// assembled from the modules: each web/src/modules/<name>/index.js declares
// `labels: { counts, auditActions, recordTypes, roles }` for its own records, merged
// here in module order.
import { MODULES } from './modules.js'

function merged(kind) {
  const out = {}
  for (const m of MODULES) Object.assign(out, (m.labels && m.labels[kind]) || {})
  return out
}

export const COUNT_LABELS = merged('counts')

export function countLabel(key) {
  return COUNT_LABELS[key] || key
}

export const DB_DRIVER_LABELS = {
  sqlite: 'SQLite 嵌入式',
  postgres: 'PostgreSQL',
}

export function dbDriverLabel(driver) {
  return DB_DRIVER_LABELS[driver] || driver || '未知'
}

// 7500 -> "2 小时 5 分"; 123 -> "2 分 3 秒"; 90061 -> "1 天 1 小时 1 分".
export function formatUptime(seconds) {
  let s = Math.max(0, Math.floor(Number(seconds) || 0))
  const d = Math.floor(s / 86400)
  s -= d * 86400
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  if (d > 0) return `${d} 天 ${h} 小时 ${m} 分`
  if (h > 0) return `${h} 小时 ${m} 分`
  if (m > 0) return `${m} 分 ${s} 秒`
  return `${s} 秒`
}

const shanghaiFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

// RFC 3339 UTC string (or Date) -> "YYYY-MM-DD HH:mm:ss" in Asia/Shanghai.
export function formatShanghai(value) {
  if (value === null || value === undefined || value === '') return '—'
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) return String(value)
  const p = {}
  for (const part of shanghaiFormat.formatToParts(date)) p[part.type] = part.value
  const hour = p.hour === '24' ? '00' : p.hour
  return `${p.year}-${p.month}-${p.day} ${hour}:${p.minute}:${p.second}`
}

// Roles (docs/SECURITY.md, declared by the accounts module). The API returns
// role_label with every grant; this table is for choosing a role before there is a
// grant to read.
export const ROLE_LABELS = merged('roles')

export const ROLE_OPTIONS = Object.keys(ROLE_LABELS).map((value) => ({ value, label: ROLE_LABELS[value] }))

export function roleLabel(grant) {
  if (!grant) return ''
  return grant.role_label || ROLE_LABELS[grant.role] || grant.role
}

// Space scope code -> its level in Chinese: "" 全系统, 6 区县, 9 街道, 12 社区, 15 网格.
export function scopeLevel(scope) {
  if (scope === '' || scope === null || scope === undefined) return '全系统'
  switch (String(scope).length) {
    case 6:
      return '区县'
    case 9:
      return '街道'
    case 12:
      return '社区'
    case 15:
      return '网格'
    default:
      return '范围'
  }
}

// "" -> "全系统"; "110101001001" -> "社区 110101001001".
export function scopeText(scope) {
  if (scope === '' || scope === null || scope === undefined) return '全系统'
  return scopeLevel(scope) + ' ' + scope
}

// A grant's (or any answer's) place by name: "团结南社区第一网格"; the code when the
// answer has no name for it ("网格 110105001001001").
export function placeName(grant) {
  if (!grant) return ''
  return grant.scope_name || scopeText(grant.scope)
}

export const AUDIT_ACTION_LABELS = merged('auditActions')

export function auditActionLabel(action) {
  return AUDIT_ACTION_LABELS[action] || action || '—'
}

// The audit log as sentences: a module's `auditVerbs` say what its actions did ("查看了"),
// `fieldLabels` name the fields a row is about ("phone" -> "手机号").
export const AUDIT_VERBS = merged('auditVerbs')
export const FIELD_LABELS = merged('fieldLabels')

export const RECORD_TYPE_LABELS = merged('recordTypes')

export function recordTypeLabel(type) {
  return RECORD_TYPE_LABELS[type] || type || '—'
}

// A 429 from the login: the wait comes from Retry-After (seconds).
export function tooManyAttemptsMessage(seconds) {
  const n = Math.max(1, Math.ceil(Number(seconds) || 0))
  return `尝试次数过多，请 ${n} 秒后再试`
}

// "28485.57" (m², decimal string) -> "28,485.57 平方米".
export function formatArea(m2) {
  if (m2 === null || m2 === undefined || m2 === '') return '—'
  const n = Number(m2)
  if (!Number.isFinite(n)) return String(m2)
  return n.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + ' 平方米'
}

// Shanghai wall-clock "YYYY-MM-DD HH:mm:ss" (as a date picker gives it) -> RFC 3339
// with the +08:00 offset (China has no daylight saving time).
export function shanghaiToRfc3339(text) {
  if (!text) return ''
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(text).trim())
  if (!m) return ''
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] || '00'}+08:00`
}

// An audit row as a sentence: "王永飞 查看了 居民 高小华 的 手机号、身份证号".
//
//   auditSentence(row) -> [{ text, role }] where role is 'actor', 'verb', 'object',
//   'fields' or 'plain' (the view emphasises actor and object; an object part carries
//   { type, id, masked } so the page can filter by it).
//
// The API (GET /api/v1/audit) answers what it takes: actor {username, name}, object
// {type, id, name, masked} or objects + object_count for a row about several records,
// fields, scope_name; the words come from the modules' label tables (auditVerbs,
// recordTypes, fieldLabels, roles).
import { AUDIT_VERBS, FIELD_LABELS, ROLE_LABELS, auditActionLabel, recordTypeLabel } from '@/labels.js'

export function actorName(row) {
  const a = row.actor || {}
  if (a.name) return a.name
  if (row.username === 'cli') return '命令行操作员'
  return row.username ? `账号 ${row.username}` : '匿名'
}

const fieldLabel = (f) => FIELD_LABELS[f] || f

// How many records a row without one named object is about (an import's rows, a list).
function countOf(row) {
  const d = row.detail || {}
  for (const v of [row.object_count, d.created, d.rows, d.count]) if (Number.isInteger(v)) return v
  return null
}

export function auditSentence(row) {
  const parts = [{ text: actorName(row), role: 'actor' }]
  parts.push({ text: AUDIT_VERBS[row.action] || auditActionLabel(row.action), role: 'verb' })
  const kind = recordTypeLabel(row.record_type)
  const self = row.record_type === 'user' && row.actor && row.actor.id && row.record_id === row.actor.id
  const o = row.object
  if (o && !self) {
    parts.push({ text: kind, role: 'plain' })
    parts.push({ text: o.name || `#${o.id}`, role: 'object', type: o.type, id: o.id, masked: !!o.masked })
  } else if (!o && row.objects && row.objects.length) {
    parts.push({ text: kind, role: 'plain' })
    row.objects.forEach((x, i) => {
      if (i) parts.push({ text: '、', role: 'plain', tight: true })
      parts.push({ text: x.name || `#${x.id}`, role: 'object', type: x.type, id: x.id, masked: !!x.masked, tight: i > 0 })
    })
    const n = countOf(row)
    if (n && n > row.objects.length) parts.push({ text: `等 ${n} 条`, role: 'plain' })
  } else if (!o && row.record_type && row.record_type !== 'user') {
    const n = countOf(row)
    parts.push({ text: n !== null ? `${n} 条${kind}记录` : kind, role: 'plain' })
  }
  const d = row.detail || {}
  if ((row.action === 'user.grant' || row.action === 'user.revoke') && d.role) {
    parts.push({ text: `「${ROLE_LABELS[d.role] || d.role}」`, role: 'plain' })
  }
  if (row.fields && row.fields.length) {
    parts.push({ text: '的', role: 'plain' })
    parts.push({ text: row.fields.map(fieldLabel).join('、'), role: 'fields' })
  }
  return parts
}

// The sentence as plain text (tests, titles, the phone card's accessible name).
export function auditSentenceText(row) {
  return auditSentence(row)
    .map((p, i) => (i && !p.tight ? ' ' : '') + p.text)
    .join('')
}

// Chinese labels and formatters shared by pages.

export const COUNT_LABELS = {
  users: '账号',
  streets: '街道',
  communities: '社区',
  grids: '网格',
  buildings: '楼栋',
  units: '房屋',
  residents: '居民',
  organisations: '组织',
  households: '户',
  coop_agreements: '共建协议',
  party_members: '党员',
  cases: '诉求工单',
}

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

// Roles (docs/SECURITY.md). The API returns role_label with every grant; this table
// is for choosing a role (account management) before there is a grant to read.
export const ROLE_LABELS = {
  resident: '居民',
  grid_worker: '网格员',
  party_member: '党员',
  volunteer: '志愿者',
  community_staff: '社区工作者',
  community_admin: '社区书记',
  unit_contact: '共建单位联络人',
  property: '物业',
  department: '职能部门',
  street_supervisor: '街道管理员',
  system_admin: '系统管理员',
}

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

export const AUDIT_ACTION_LABELS = {
  'session.login': '登录',
  'session.login_failed': '登录失败',
  'session.logout': '退出登录',
  'user.create': '新建账号',
  'user.grant': '授予角色',
  'user.revoke': '撤销角色',
  'user.delete': '删除账号',
  'user.passwd': '修改密码',
  'street.create': '新建街道',
  'community.create': '新建社区',
  'building.create': '新建楼栋',
  'grid.import': '导入网格',
  'org.create': '新建组织',
  'org.member_add': '添加组织成员',
  'coop_agreement.create': '新建共建协议',
  'party_member.create': '登记党员',
  'resident.create': '新建居民',
  'resident.update': '修改居民信息',
  'resident.self_update': '居民修改本人信息',
  'resident.import': '导入居民',
  'resident.export': '导出居民',
  'resident.reveal': '查看完整个人信息',
  'resident.lookup': '按证件号码等查找居民',
  'resident_tag.create': '新建居民标签',
  'household.create': '新建户',
  'unit.create': '新建房屋',
  'unit.import': '导入房屋',
  'unit.export': '导出房屋',
}

export function auditActionLabel(action) {
  return AUDIT_ACTION_LABELS[action] || action || '—'
}

export const RECORD_TYPE_LABELS = {
  user: '账号',
  street: '街道',
  community: '社区',
  grid: '网格',
  building: '楼栋',
  probe: '存储探针',
  organisation: '组织',
  org_member: '组织成员',
  coop_agreement: '共建协议',
  party_member: '党员',
  resident: '居民',
  resident_tag: '居民标签',
  household: '户',
  unit: '房屋',
}

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

// ---- Organisations (docs/ORG.md)

// One colour per network category (the ten types in ORG.md order, then 社区): the
// Party line in reds, the other actors in distinct hues.
export const ORG_CATEGORY_COLOURS = [
  '#a8071a', // 街道党工委
  '#c8161d', // 社区党委
  '#e8484e', // 网格党支部
  '#f08a8e', // 楼栋党小组
  '#d48806', // 居委会
  '#1677ff', // 物业服务企业
  '#13a8a8', // 业主委员会
  '#722ed1', // 社会组织
  '#389e0d', // 共建单位
  '#8c8c8c', // 职能部门
  '#faad14', // 社区
]

export const EDGE_KINDS = [
  { kind: 'vertical', label: '纵向', hint: '组织隶属（下级 → 上级）', colour: '#c8161d', type: 'solid', width: 2.2 },
  { kind: 'horizontal', label: '横向', hint: '共建协议、党建引领', colour: '#1677ff', type: 'dashed', width: 1.6 },
  { kind: 'membership', label: '成员', hint: '交叉任职（共有成员）', colour: '#fa8c16', type: 'dotted', width: 2 },
  { kind: 'dual_report', label: '双报到', hint: '党员所在单位 → 报到社区', colour: '#389e0d', type: 'solid', width: 1.6 },
]

export const POST_TYPE_LABELS = {
  organisation: '组织建设',
  legal: '法律',
  employment_aid: '助困就业',
  governance: '社区治理',
  health: '健康医疗',
  culture_sports: '文体',
  patrol: '治安巡逻',
  other: '其他',
}

export const POST_TYPE_OPTIONS = Object.keys(POST_TYPE_LABELS).map((value) => ({ value, label: POST_TYPE_LABELS[value] }))

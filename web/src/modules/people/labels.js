// Labels and small rules of the people pages: where a resident stands in the register,
// the fields and actions of a resident's history, the relations to the head of a
// household, and the checks a form makes before it asks the server (which checks
// everything again and has the last word).

export const STATUS_LABELS = { active: '在册', moved_out: '已迁出', deceased: '已故' }
export const STATUS_TAG_TYPES = { active: 'success', moved_out: 'info', deceased: 'info' }
export const STATUS_FILTERS = [
  { value: 'active', label: '在册居民' },
  { value: 'moved_out', label: '已迁出' },
  { value: 'deceased', label: '已故' },
  { value: 'left', label: '已迁出或已故' },
  { value: 'all', label: '全部' },
]
export const statusLabel = (s) => STATUS_LABELS[s] || s || '在册'

export const RELATIONS = ['户主', '配偶', '子', '女', '父母', '孙子女', '兄弟姐妹', '其他']

export const HISTORY_ACTIONS = {
  create: '新增居民',
  import: '导入建档',
  update: '修改信息',
  self_update: '居民本人更正',
  move: '辖区内迁移',
  move_out: '迁出',
  move_in: '迁入',
  deceased: '登记死亡',
}

export const HISTORY_FIELDS = {
  name: '姓名',
  gender: '性别',
  relation: '与户主关系',
  birth_date: '出生日期',
  phone: '手机号',
  id_number: '身份证号',
  tags: '标签',
  sensitive_tags: '敏感标签',
  grid_code: '网格',
  household_id: '户',
  user_id: '关联账号',
  status: '状态',
  status_date: '迁出或死亡日期',
  status_reason: '迁出原因',
  date: '日期',
  reason: '原因',
}

// What the search box understood (the server's "search" answer).
export const SEARCH_KINDS = {
  text: '按姓名或地址查找',
  unit: '按楼栋门牌查找',
  id_number: '按身份证号精确查找',
  phone: '按手机号精确查找',
}

// GB 11643: the check character of an 18-character ID number. True when it is right.
export function idNumberValid(s) {
  const v = String(s || '').trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(v)) return false
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(v[i]) * w[i]
  return '10X98765432'[sum % 11] === v[17]
}

// A first look at an ID number as typed: '' when it may be right, else why not.
export function idNumberProblem(s) {
  const v = String(s || '').replace(/\s+/g, '').toUpperCase()
  if (!v) return ''
  if (v.length !== 18) return '身份证号应为 18 位'
  if (!/^\d{17}[\dX]$/.test(v)) return '前 17 位应为数字，第 18 位为数字或 X'
  return idNumberValid(v) ? '' : '校验位错误，请核对'
}

// A mobile phone is 11 digits from 13 to 19 (landlines with their area code are
// accepted by the server too: 010-12345678).
export function phoneProblem(s) {
  const v = String(s || '').replace(/[\s-]/g, '').replace(/^(\+86|0086)/, '')
  if (!v) return ''
  if (/^1/.test(v)) return /^1[3-9]\d{9}$/.test(v) ? '' : '手机号应为 11 位且以 13-19 开头'
  if (/^0\d{9,11}$/.test(v)) return ''
  return '请输入 11 位手机号或带区号的固定电话'
}

// Today in Asia/Shanghai as YYYY-MM-DD (dates after it are refused by the server).
export function todayShanghai() {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
  return p.format(new Date())
}

// For ElDatePicker's disabled-date: no day after today.
export const afterToday = (d) => {
  const t = todayShanghai()
  const y = d.getFullYear()
  const m = String(d.getMonth() + 1).padStart(2, '0')
  const day = String(d.getDate()).padStart(2, '0')
  return `${y}-${m}-${day}` > t
}

// The server's field errors of a form (ApiError.fields), with a prefix for household
// members ("members[1]."): {field: reason}.
export function fieldErrors(e, prefix = '') {
  const out = {}
  const f = (e && e.fields) || {}
  for (const [k, v] of Object.entries(f)) {
    if (prefix && k.startsWith(prefix)) out[k.slice(prefix.length)] = v
    else if (!prefix && !k.includes('[')) out[k] = v
  }
  return out
}

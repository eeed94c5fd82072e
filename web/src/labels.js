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

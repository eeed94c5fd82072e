// Formatting shared by the mobilisation pages.
import { formatShanghai } from '@/labels.js'

export const KIND_OPTIONS = [
  { value: 'volunteer', label: '志愿活动' },
  { value: 'party', label: '党员活动' },
]

// "2026-06-01 09:00 – 12:00" (or the end's date when another day), Asia/Shanghai.
export function timeRange(start, end) {
  const s = formatShanghai(start)
  const e = formatShanghai(end)
  if (s === '—') return '—'
  return s.slice(0, 10) === e.slice(0, 10) ? `${s.slice(0, 16)} – ${e.slice(11, 16)}` : `${s.slice(0, 16)} – ${e.slice(0, 16)}`
}

// Minutes as "3 小时 20 分钟".
export function hours(minutes) {
  const m = Number(minutes) || 0
  const h = Math.floor(m / 60)
  const r = m % 60
  if (!h) return `${r} 分钟`
  return r ? `${h} 小时 ${r} 分钟` : `${h} 小时`
}

export const signupTagType = (status) =>
  ({ confirmed: 'success', waitlisted: 'warning', attended: 'primary', no_show: 'danger', cancelled: 'info' })[status] || 'info'

export const day = (s) => (s ? formatShanghai(s).slice(0, 10) : '—')
export const minute = (s) => (s ? formatShanghai(s).slice(0, 16) : '—')

// What a points entry was for when it names no activity or item: its earning rule.
const RULE_TEXT = { service_hour: '志愿服务', need_completed: '完成供需对接服务', topic_participation: '参与议题', vote: '参加表决' }
export const entryAbout = (e) => e.about || RULE_TEXT[e.rule] || ''

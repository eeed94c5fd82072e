// Labels of the matching pages.
export const SKILLS = [
  { value: '陪诊', label: '陪诊' },
  { value: '助餐', label: '助餐送餐' },
  { value: '上门理发', label: '上门理发' },
  { value: '家电维修', label: '家电维修' },
  { value: '代购', label: '代购代办' },
  { value: '读报陪聊', label: '读报陪聊' },
  { value: '助浴', label: '助浴' },
  { value: '心理疏导', label: '心理疏导' },
  { value: '物资捐赠', label: '物资（微心愿）' },
]

export const STATUS_TYPES = {
  open: 'warning',
  proposed: 'primary',
  taken: 'primary',
  done: 'success',
  rated: 'success',
  cancelled: 'info',
  expired: 'info',
}

export const PROPOSAL_LABELS = { proposed: '待答复', accepted: '已接单', declined: '已拒绝', withdrawn: '已撤回' }

// "2026-12-07 09:00" in Asia/Shanghai.
export function shanghai(iso) {
  if (!iso) return ''
  return new Date(new Date(iso).getTime() + 8 * 3600e3).toISOString().slice(0, 16).replace('T', ' ')
}
export const day = (iso) => shanghai(iso).slice(0, 10)
export const windowText = (a, b) => `${day(a)} 至 ${day(b)}`
export const metres = (m) => (m >= 1000 ? (m / 1000).toFixed(1) + ' 公里' : m + ' 米')

// The proposal's reason about time (run.c, window_reason): the provider's weekly window
// that meets the need's, or none when they are always available; withNeed: the need's
// window first (where the card does not show it).
const WEEKDAYS = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日']
export function windowReason(w, withNeed = false) {
  if (!w) return ''
  const need = withNeed ? `需求时间 ${shanghai(w.need_start)} 至 ${shanghai(w.need_end)}，` : ''
  const a = w.available
  return need + (a ? `可服务时段：${WEEKDAYS[a.weekday]} ${a.from}–${a.to}` : '可服务时段：不限')
}

// Who ran a matching: a person's name, or the server's own actors by what they are
// (the scheduled job "system", the command line "cli", as the demo's runs).
const RUNNERS = { system: '定时自动匹配', cli: '命令行' }
export const runBy = (name) => RUNNERS[name] || name
// Who posted a need: a person's name, or the command line's (the demo's needs).
export const postedBy = (name) => (name === 'cli' ? '命令行导入' : name)

// Labels and day helpers of the visits pages. Days are calendar dates in Asia/Shanghai
// ('YYYY-MM-DD'), as the API sends and takes them.

export const KIND_OPTIONS = [
  { value: 'routine', label: '常规走访' },
  { value: 'care', label: '重点关爱' },
  { value: 'follow_up', label: '回访' },
]

export const kindLabel = (k) => (KIND_OPTIONS.find((o) => o.value === k) || {}).label || k

// Today (or today + offset days) in Asia/Shanghai.
export function shanghaiDay(offset = 0) {
  return new Date(Date.now() + 8 * 3600e3 + offset * 86400e3).toISOString().slice(0, 10)
}

// A due-list item's state as words: 「逾期 5 天」, 「今天到期」, 「已到期 2 天」.
export function dueText(item) {
  if (item.state === 'overdue') return `逾期 ${item.days_late} 天`
  if (!item.days_late) return '今天到期'
  return `已到期 ${item.days_late} 天`
}

// 7 -> 「每 7 天」; null -> 「不定期」.
export const intervalText = (n) => (n ? `每 ${n} 天` : '不定期')

// Labels of the services pages.
export const STATE_TAGS = {
  received: 'info',
  returned: 'warning',
  accepted: '',
  processing: '',
  approved: 'success',
  refused: 'danger',
  issued: 'success',
}

export const STATE_OPTIONS = [
  { value: 'received', label: '已接收' },
  { value: 'returned', label: '待补正' },
  { value: 'accepted', label: '已受理' },
  { value: 'processing', label: '办理中' },
  { value: 'approved', label: '已通过' },
  { value: 'refused', label: '不予办理' },
  { value: 'issued', label: '已出具' },
]

export const ACTION_LABELS = {
  accept: '受理',
  return: '退回补正',
  resubmit: '补正后提交',
  process: '开始办理',
  approve: '审核通过',
  refuse: '不予办理',
  issue: '出具',
}

export const CATEGORY_OPTIONS = [
  { value: '', label: '全部' },
  { value: 'certificate', label: '证明开具' },
  { value: 'card', label: '证件办理' },
  { value: 'subsidy', label: '补贴申领' },
  { value: 'assistance', label: '社会救助' },
  { value: 'registration', label: '登记' },
  { value: 'consultation', label: '政策咨询' },
]

export function feeText(fen) {
  return fen ? `${(fen / 100).toFixed(2)} 元` : '免费'
}

// Bytes as 12 KB / 1.2 MB.
export function sizeText(n) {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

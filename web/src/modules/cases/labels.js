// Labels and tag colours of the case loop (the server sends the Chinese labels of
// states and actions too; these are for filters and buttons).
export const STATE_OPTIONS = [
  { value: 'reported', label: '待受理' },
  { value: 'accepted', label: '已立案' },
  { value: 'dispatched', label: '已派遣' },
  { value: 'signed', label: '处置中' },
  { value: 'extension_requested', label: '延期申请中' },
  { value: 'escalated', label: '已吹哨' },
  { value: 'handled', label: '已处置' },
  { value: 'verified', label: '已核查' },
  { value: 'closed', label: '已结案' },
  { value: 'rated', label: '已评价' },
  { value: 'rejected', label: '不予立案' },
  { value: 'withdrawn', label: '已撤回' },
  { value: 'merged', label: '已合并' },
]

const STATE_TYPES = {
  reported: 'warning',
  accepted: 'warning',
  dispatched: 'primary',
  signed: 'primary',
  extension_requested: 'warning',
  escalated: 'danger',
  handled: 'success',
  verified: 'success',
  closed: 'info',
  rated: 'info',
  rejected: 'info',
  withdrawn: 'info',
  merged: 'info',
}
export const stateTagType = (state) => STATE_TYPES[state] || 'info'

// The actions, with what each asks for: note (reason or feedback: required or not),
// org (dispatch: optional; escalate: optional), rating, extension, photos.
export const ACTIONS = {
  accept: { label: '受理立案', type: 'primary' },
  reject: { label: '不予立案', note: '不予立案的理由', required: true },
  edit: { label: '修改' },
  withdraw: { label: '撤回', confirm: '撤回后诉求不再办理，确定撤回？' },
  merge: { label: '合并', target: true, note: '说明' },
  self_handle: { label: '自行处置', note: '处置情况', required: true, photos: true },
  dispatch: { label: '派遣', type: 'primary', org: true, note: '派遣说明' },
  return: { label: '退回', note: '退回理由（不属于本单位职责的说明）', required: true },
  sign: { label: '签收', type: 'primary' },
  handle: { label: '处置反馈', type: 'primary', note: '处置情况', required: true, photos: true },
  request_extension: { label: '申请延期', note: '延期理由', required: true, extension: true },
  approve_extension: { label: '同意延期', type: 'primary' },
  deny_extension: { label: '不同意延期', note: '说明' },
  escalate: { label: '吹哨', type: 'danger', org: true, note: '吹哨理由', required: true },
  report_in: { label: '报到', type: 'primary', note: '报到说明' },
  verify: { label: '核查通过', type: 'primary' },
  rework: { label: '返工', type: 'warning', note: '返工理由', required: true },
  close: { label: '结案', type: 'primary' },
  rate: { label: '评价', type: 'primary', rating: true },
  reopen: { label: '重启', type: 'warning', note: '重启理由', required: true },
}

export const SATISFACTION_OPTIONS = [
  { value: 'satisfied', label: '满意' },
  { value: 'basically_satisfied', label: '基本满意' },
  { value: 'unsatisfied', label: '不满意' },
]

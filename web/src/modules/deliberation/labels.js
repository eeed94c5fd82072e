// Labels of the deliberation pages (the server's codes → Chinese).
export const STAGES = [
  { value: 'proposed', label: '提出议题' },
  { value: 'confirmed', label: '确定议题' },
  { value: 'consultation', label: '征求意见' },
  { value: 'meeting', label: '议事会协商' },
  { value: 'voting', label: '表决' },
  { value: 'publicity', label: '公示' },
  { value: 'implementation', label: '实施' },
  { value: 'evaluation', label: '监督评议' },
  { value: 'closed', label: '已办结' },
]
export const STAGE_INDEX = Object.fromEntries(STAGES.map((s, i) => [s.value, i]))

export const POSITIONS = [
  { value: 'support', label: '支持', type: 'success' },
  { value: 'oppose', label: '反对', type: 'danger' },
  { value: 'suggest', label: '建议', type: 'warning' },
]

export const ACTORS = [
  { value: 'party', label: '党组织' },
  { value: 'residents_committee', label: '居委会' },
  { value: 'owners_committee', label: '业委会' },
  { value: 'property', label: '物业服务企业' },
  { value: 'resident', label: '居民代表' },
  { value: 'social_org', label: '社会组织' },
  { value: 'co_building', label: '共建单位' },
  { value: 'department', label: '职能部门' },
  { value: 'expert', label: '专家' },
  { value: 'other', label: '其他' },
]

export const RATINGS = [
  { value: 'satisfied', label: '满意' },
  { value: 'basic', label: '基本满意' },
  { value: 'dissatisfied', label: '不满意' },
]

export const RULES = [
  { value: 'owners_general', label: '业主共同决定（民法典第278条 一般事项）' },
  { value: 'owners_major', label: '业主共同决定（民法典第278条 第六至八项）' },
  { value: 'residents_meeting', label: '居民会议（过半数出席，出席者过半数同意）' },
  { value: 'simple_majority', label: '投票者过半数同意' },
  { value: 'two_thirds', label: '投票者三分之二以上同意' },
]
export const RULE_LABELS = Object.fromEntries(RULES.map((r) => [r.value, r.label]))

export const ELECTORATES = { owners: '业主', residents: '18 周岁以上居民', households: '户代表' }

export const CHOICES = [
  { value: 'agree', label: '同意', type: 'success' },
  { value: 'oppose', label: '反对', type: 'danger' },
  { value: 'abstain', label: '弃权', type: 'info' },
]
export const CHOICE_LABELS = Object.fromEntries(CHOICES.map((c) => [c.value, c.label]))

// One threshold of a tally as a sentence part: 参与表决 · 专有部分面积 · 2/3 以上.
export const STAGE_LABELS = { participation: '参与表决', approval: '同意' }
export function measureLabel(t, electorate) {
  if (t.measure === 'area') return '专有部分面积'
  return electorate === 'owners' ? '业主人数' : electorate === 'households' ? '户数' : '人数'
}
export function requiredText(t) {
  return t.comparison === 'at_least' ? ` ${t.required} 以上` : `超过 ${t.required}`
}
// The base each share is measured against, in words.
export function baseText(t) {
  return t.stage === 'participation' ? '占全体表决权人' : '占参与表决者'
}

// Participatory budgets.
export const PB_RULES = [
  { value: 'mes-add1', label: '均等份额法（MES，按群体规模公平分配）' },
  { value: 'greedy', label: '得票优先（贪心）' },
  { value: 'mes', label: '均等份额法（不补足，仅供分析）' },
]
export const PB_RULE_LABELS = Object.fromEntries(PB_RULES.map((r) => [r.value, r.label]))
export const PB_STATES = { proposing: '征集项目', voting: '投票中', closed: '已公布结果' }
export const PB_REASONS = {
  too_expensive: '轮到它时剩余预算不足',
  unaffordable: '支持者的份额不足以支付其费用',
  not_candidate: '费用为 0 或无人支持',
}
export const PB_BY = { greedy: '按得票依次入选', mes: '均等份额法选中', completion: '补足阶段按得票入选' }

// Fen (integer) -> "12,345.67" yuan, exactly (no floating point).
export function fenText(fen) {
  if (fen === null || fen === undefined) return '—'
  const n = BigInt(fen)
  const neg = n < 0n
  const a = neg ? -n : n
  const yuan = (a / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return (neg ? '-' : '') + yuan + '.' + (a % 100n).toString().padStart(2, '0')
}

// "1234.5" yuan -> 123450 fen, exactly; null when not a decimal with at most two places.
export function yuanToFen(text) {
  const m = /^\s*(\d{1,13})(?:\.(\d{1,2}))?\s*$/.exec(String(text ?? ''))
  if (!m) return null
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'))
}

// A file's size for people: 512 B, 34 KB, 1.2 MB.
export function sizeText(n) {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

// The kinds of file a meeting may have, for people.
export const FILE_KINDS = { 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/webp': 'WebP' }

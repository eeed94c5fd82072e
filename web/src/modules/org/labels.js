// Labels and colours of the organisation pages (docs/ORG.md).

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

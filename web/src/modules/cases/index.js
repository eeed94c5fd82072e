// 诉求工单 (issue 10): the work list of the caller's cases — for residents and others
// without case read, the cases they reported — and one case with its timeline and the
// actions the caller may take (docs/CASES.md).
import { EditPen, Tickets } from '@element-plus/icons-vue'

export default {
  name: 'cases',
  order: 50,
  nav: [
    {
      path: '/cases',
      name: 'cases',
      title: '诉求工单',
      icon: Tickets,
      order: 70,
      component: () => import('./views/CasesView.vue'),
    },
  ],
  routes: [
    {
      path: '/cases/new',
      name: 'case-report',
      component: () => import('./views/ReportView.vue'),
      meta: { title: '反映诉求' },
    },
    {
      path: '/cases/:id',
      name: 'case',
      component: () => import('./views/CaseView.vue'),
      meta: { title: '诉求详情' },
    },
  ],
  // The workbench's shortcuts: a resident reports a problem, and follows their cases.
  shortcuts: [
    { title: '反映诉求', to: '/cases/new', icon: EditPen, roles: ['resident'], order: 5 },
    { title: '我的诉求', to: '/cases', icon: Tickets, roles: ['resident'], order: 6 },
  ],
  labels: {
    counts: { cases: '诉求工单' },
    auditActions: {
      'case.create': '登记诉求',
      'case.accept': '受理立案',
      'case.reject': '不予立案',
      'case.edit': '修改诉求',
      'case.withdraw': '撤回诉求',
      'case.merge': '合并诉求',
      'case.self_handle': '自行处置',
      'case.dispatch': '派遣',
      'case.return': '退回',
      'case.sign': '签收',
      'case.handle': '处置反馈',
      'case.request_extension': '申请延期',
      'case.approve_extension': '同意延期',
      'case.deny_extension': '不同意延期',
      'case.escalate': '吹哨',
      'case.report_in': '报到',
      'case.verify': '核查通过',
      'case.rework': '返工',
      'case.close': '结案',
      'case.rate': '评价',
      'case.reopen': '重启',
      'case.overdue': '超期',
      'case.reveal': '查看反映人电话',
      'case.generate': '生成压测诉求',
      'case_photo.upload': '上传诉求照片',
      'open311.client_add': '签发 Open311 密钥',
      'open311.client_revoke': '吊销 Open311 密钥',
      'case_category.create': '新建诉求类别',
      'case_category.update': '修改诉求类别',
      'case_route.set': '设置默认承办单位',
      'case_route.delete': '删除默认承办单位',
      'case_calendar.set': '设置节假日',
      'case_calendar.delete': '删除节假日设置',
    },
    recordTypes: { case: '诉求', case_photo: '诉求照片', open311_client: 'Open311 接入应用', case_category: '诉求类别', case_route: '默认承办单位', case_calendar: '节假日' },
  },
}

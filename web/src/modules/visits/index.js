// 走访: grid workers and community staff record visits to households and residents; key
// groups are visited at set frequencies (per resident tag, per place); the due list says
// who is due or overdue. A resident sees their own visits (/visits/mine).
import { Calendar, EditPen, List } from '@element-plus/icons-vue'

export default {
  name: 'visits',
  order: 45,
  nav: [
    {
      path: '/visits',
      name: 'visits',
      title: '走访',
      icon: Calendar,
      perm: ['visit', 'read'],
      order: 35,
      component: () => import('./views/VisitsView.vue'),
    },
  ],
  routes: [
    {
      path: '/visits/new',
      name: 'visit-new',
      component: () => import('./views/VisitFormView.vue'),
      meta: { title: '记录走访', nav: { perm: ['visit', 'write'] } },
    },
    {
      path: '/visits/resident/:id',
      name: 'visit-resident',
      component: () => import('./views/ResidentVisitsView.vue'),
      meta: { title: '走访记录', nav: { perm: ['visit', 'read'] } },
    },
    {
      path: '/visits/mine',
      name: 'visit-mine',
      component: () => import('./views/MyVisitsView.vue'),
      meta: { title: '我的走访记录' },
    },
  ],
  // The workbench's shortcuts (WorkbenchView): the common actions of those who visit.
  shortcuts: [
    { title: '记录走访', to: '/visits/new', icon: EditPen, perm: ['visit', 'write'], order: 10 },
    { title: '待走访名单', to: '/visits?tab=due', icon: List, perm: ['visit', 'write'], order: 11 },
    { title: '走访统计', to: '/visits?tab=counts', icon: List, perm: ['visit', 'admin'], order: 12 },
    { title: '我的走访记录', to: '/visits/mine', icon: List, roles: ['resident'], order: 20 },
  ],
  labels: {
    counts: { visits: '走访记录' },
    auditActions: {
      'visit.create': '记录走访',
      'visit.import': '导入走访记录',
      'visit_frequency.set': '设置走访频次',
    },
    recordTypes: { visit: '走访记录', visit_frequency: '走访频次' },
  },
}

// 共享 (issue 15): the dashboard (大屏) of equity and service figures for staff and
// supervisors, and the public board (居务公开) at /board, no login (a route of its own,
// full screen: for the community hall's screen and for phones).
import { DataAnalysis } from '@element-plus/icons-vue'

export default {
  name: 'sharing',
  order: 90,
  nav: [
    {
      path: '/sharing',
      name: 'sharing-dashboard',
      title: '数据大屏',
      icon: DataAnalysis,
      perm: ['equity', 'read'],
      order: 105,
      component: () => import('./views/DashboardView.vue'),
    },
  ],
  routes: [
    {
      path: '/sharing/report',
      name: 'sharing-report',
      component: () => import('./views/ReportView.vue'),
      meta: { title: '月度治理报告', nav: { perm: ['equity', 'read'] } },
    },
    {
      path: '/board',
      name: 'public-board',
      component: () => import('./views/BoardView.vue'),
      meta: { title: '居务公开', public: true, bare: true },
    },
  ],
}

// 工作台: service status and record counts (GET /status).
import { Odometer } from '@element-plus/icons-vue'

export default {
  name: 'system',
  order: 0,
  nav: [
    {
      path: '/dashboard',
      name: 'dashboard',
      title: '工作台',
      icon: Odometer,
      order: 10,
      component: () => import('./views/DashboardView.vue'),
    },
  ],
  labels: {
    recordTypes: { probe: '存储探针' },
  },
}

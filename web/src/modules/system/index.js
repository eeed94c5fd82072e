// 系统状态: service status and record counts (GET /status) for those who run the platform
// (probe read at the whole system: system_admin). The workbench (工作台) is the
// workbench module's.
import { Odometer } from '@element-plus/icons-vue'

export default {
  name: 'system',
  order: 0,
  nav: [
    {
      path: '/system/status',
      name: 'system-status',
      title: '系统状态',
      icon: Odometer,
      perm: ['probe', 'read', ''],
      order: 900,
      component: () => import('./views/StatusView.vue'),
    },
  ],
  labels: {
    recordTypes: { probe: '存储探针' },
  },
}

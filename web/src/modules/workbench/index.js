// 工作台: each role's own page — to-dos, figures of the caller's own scope, shortcuts to
// the role's common actions. What it shows comes from the modules: the server's
// descriptors (todos, figures) and the web modules' `shortcuts` (index.js).
import { HomeFilled } from '@element-plus/icons-vue'

export default {
  name: 'workbench',
  order: 1,
  nav: [
    {
      path: '/dashboard',
      name: 'dashboard',
      title: '工作台',
      icon: HomeFilled,
      order: 10,
      component: () => import('./views/WorkbenchView.vue'),
    },
  ],
}

// Cases: residents' requests handled as work orders. Not built yet: its menu item opens the
// "under construction" page until the capability fills this folder.
import { Tickets } from '@element-plus/icons-vue'

export default {
  name: 'cases',
  order: 50,
  nav: [{ path: '/cases', name: 'cases', title: '诉求工单', icon: Tickets, order: 70 }],
  labels: { counts: { cases: '诉求工单' } },
}

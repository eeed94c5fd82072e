// Matching: needs and offers of residents and units. Not built yet: its menu item opens the
// "under construction" page until the capability fills this folder.
import { Connection } from '@element-plus/icons-vue'

export default {
  name: 'matching',
  order: 60,
  nav: [{ path: '/matching', name: 'matching', title: '供需对接', icon: Connection, order: 80 }],
}

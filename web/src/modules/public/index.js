// The public board. Not built yet: its menu item opens the
// "under construction" page until the capability fills this folder.
import { Notification } from '@element-plus/icons-vue'

export default {
  name: 'public',
  order: 90,
  nav: [{ path: '/public', name: 'public', title: '公开栏', icon: Notification, order: 110 }],
}

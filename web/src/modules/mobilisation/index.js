// Mobilisation: volunteering and points. Not built yet: its menu item opens the
// "under construction" page until the capability fills this folder.
import { Medal } from '@element-plus/icons-vue'

export default {
  name: 'mobilisation',
  order: 80,
  nav: [{ path: '/mobilisation', name: 'mobilisation', title: '志愿与积分', icon: Medal, order: 100 }],
}

// Deliberation: consultations and votes. Not built yet: its menu item opens the
// "under construction" page until the capability fills this folder.
import { ChatDotRound } from '@element-plus/icons-vue'

export default {
  name: 'deliberation',
  order: 70,
  nav: [{ path: '/deliberation', name: 'deliberation', title: '协商议事', icon: ChatDotRound, order: 90 }],
}

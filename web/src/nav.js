// Navigation items: one source for the router and the side menu.
// `placeholder: true` pages render the generic "under construction" view
// until their issue replaces it with a real component.
import {
  Odometer,
  MapLocation,
  House,
  Share,
  Tickets,
  Connection,
  ChatDotRound,
  Medal,
  Notification,
} from '@element-plus/icons-vue'

export const NAV_ITEMS = [
  { path: '/dashboard', name: 'dashboard', title: '工作台', icon: Odometer },
  { path: '/grids', name: 'grids', title: '网格地图', icon: MapLocation, placeholder: true },
  { path: '/residents', name: 'residents', title: '居民与房屋', icon: House, placeholder: true },
  { path: '/network', name: 'network', title: '组织网络', icon: Share, placeholder: true },
  { path: '/cases', name: 'cases', title: '诉求工单', icon: Tickets, placeholder: true },
  { path: '/matching', name: 'matching', title: '供需对接', icon: Connection, placeholder: true },
  { path: '/deliberation', name: 'deliberation', title: '协商议事', icon: ChatDotRound, placeholder: true },
  { path: '/mobilisation', name: 'mobilisation', title: '志愿与积分', icon: Medal, placeholder: true },
  { path: '/public', name: 'public', title: '公开栏', icon: Notification, placeholder: true },
]

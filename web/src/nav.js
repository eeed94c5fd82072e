// Navigation items: one source for the router and the side menu.
// `placeholder: true` pages render the generic "under construction" view
// until their issue replaces it with a real component.
//
// Visibility is data: `perm: [resource, action]` shows the item (and lets the
// route open) only when GET /api/v1/me grants that action on that resource in at
// least one scope. The permissions come from the server's policy table
// (docs/SECURITY.md), so the menu follows the roles without a copy of the table:
//   space read    — every role (网格地图)
//   audit read    — 社区书记, 街道管理员, 系统管理员 (审计日志)
//   account admin — 社区书记, 街道管理员, 系统管理员 (账号管理)
//   resident read — 网格员, 社区工作者, 社区书记, 街道管理员, 系统管理员 (居民与房屋)
//   resident write — the same roles (数据导入: residents and units from CSV / Excel)
//   space read    — also 组织网络 and 党员名册 (names masked by the server where the
//                   caller may only read the place)
// Items without `perm` are shown to every signed-in user.
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
  User,
  Document,
  Flag,
  Upload,
} from '@element-plus/icons-vue'

export const NAV_ITEMS = [
  { path: '/dashboard', name: 'dashboard', title: '工作台', icon: Odometer },
  { path: '/grids', name: 'grids', title: '网格地图', icon: MapLocation, perm: ['space', 'read'] },
  { path: '/residents', name: 'residents', title: '居民与房屋', icon: House, perm: ['resident', 'read'] },
  { path: '/import', name: 'import', title: '数据导入', icon: Upload, perm: ['resident', 'write'] },
  { path: '/network', name: 'network', title: '组织网络', icon: Share, perm: ['space', 'read'] },
  { path: '/party-members', name: 'party-members', title: '党员名册', icon: Flag, perm: ['space', 'read'] },
  { path: '/cases', name: 'cases', title: '诉求工单', icon: Tickets, placeholder: true },
  { path: '/matching', name: 'matching', title: '供需对接', icon: Connection, placeholder: true },
  { path: '/deliberation', name: 'deliberation', title: '协商议事', icon: ChatDotRound, placeholder: true },
  { path: '/mobilisation', name: 'mobilisation', title: '志愿与积分', icon: Medal, placeholder: true },
  { path: '/public', name: 'public', title: '公开栏', icon: Notification, placeholder: true },
  { path: '/users', name: 'users', title: '账号管理', icon: User, perm: ['account', 'admin'] },
  { path: '/audit', name: 'audit', title: '审计日志', icon: Document, perm: ['audit', 'read'] },
]

// can(resource, action) -> boolean (session.js). True when the item may be shown.
export function navAllowed(item, can) {
  if (!item || !item.perm) return true
  const [resource, action] = item.perm
  return !!can(resource, action)
}

export function visibleNavItems(can) {
  return NAV_ITEMS.filter((item) => navAllowed(item, can))
}

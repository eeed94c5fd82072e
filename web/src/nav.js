// Navigation items: one source for the router and the side menu, assembled from the
// modules' `nav` entries (modules.js) in their `order`. An item without `component`
// renders the generic "under construction" page until its capability is built.
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
//   probe read at "" — 系统状态: `perm: ['probe', 'read', '']`, a third element naming the
//                   scope the permission must hold at (the whole system), since
//                   community and street hold probe read at their own place only
// Items without `perm` are shown to every signed-in user.
import { MODULES } from './modules.js'

export const NAV_ITEMS = MODULES.flatMap((m) => (m.nav || []).map((item) => ({ ...item, module: m.name }))).sort(
  (a, b) => (a.order ?? 0) - (b.order ?? 0),
)

// can(resource, action[, scope]) -> boolean (session.js). True when the item may be shown.
export function navAllowed(item, can) {
  if (!item || !item.perm) return true
  const [resource, action, scope] = item.perm
  return scope === undefined ? !!can(resource, action) : !!can(resource, action, scope)
}

export function visibleNavItems(can) {
  return NAV_ITEMS.filter((item) => navAllowed(item, can))
}

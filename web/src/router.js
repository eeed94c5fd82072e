import { createRouter, createWebHistory } from 'vue-router'
import { NAV_ITEMS, navAllowed } from './nav.js'
import { setUnauthorizedHandler } from './api.js'
import { can, clearSession, loadSession, session } from './session.js'
import { MODULES } from './modules.js'

// The shell's own pages; the capabilities' pages come from their modules.
const LoginView = () => import('./views/LoginView.vue')
const PlaceholderView = () => import('./views/PlaceholderView.vue')
const NotFoundView = () => import('./views/NotFoundView.vue')
const ForbiddenView = () => import('./views/ForbiddenView.vue')

const routes = [
  { path: '/', redirect: '/dashboard' },
  { path: '/login', name: 'login', component: LoginView, meta: { title: '登录', public: true, bare: true } },
  ...NAV_ITEMS.map((item) => ({
    path: item.path,
    name: item.name,
    component: item.component || PlaceholderView,
    props: item.component ? false : { title: item.title },
    meta: { title: item.title, nav: item },
  })),
  ...MODULES.flatMap((m) => m.routes || []),
  { path: '/forbidden', name: 'forbidden', component: ForbiddenView, meta: { title: '无权访问' } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundView, meta: { title: '页面不存在' } },
]

const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

// Only same-app paths are followed after login (no "//evil.example" or "https://…").
export function safeRedirect(target) {
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//')) return '/dashboard'
  if (target === '/login' || target.startsWith('/login?') || target.startsWith('/login/')) return '/dashboard'
  return target
}

function loginRoute(fullPath) {
  const redirect = safeRedirect(fullPath)
  return redirect === '/dashboard' ? { name: 'login' } : { name: 'login', query: { redirect } }
}

// Every page except /login needs a session (GET /api/v1/me, once per page load).
// The other public pages (the board on the community hall's screen) never ask: no 401
// in their console.
router.beforeEach(async (to) => {
  if (to.meta.public && to.name !== 'login') return true
  let user = null
  try {
    user = await loadSession()
  } catch (e) {
    // Server unreachable or failing: the login page says so when the user tries.
    user = null
  }
  if (to.meta.public) {
    if (to.name === 'login' && user) return safeRedirect(to.query.redirect)
    return true
  }
  if (!user) return loginRoute(to.fullPath)
  // A reset password is changed before anything else (the server refuses the rest).
  if (session.mustChangePassword && to.name !== 'password') return { name: 'password' }
  const item = to.meta.nav
  if (item && !navAllowed(item, can)) return { name: 'forbidden', query: { from: to.fullPath } }
  return true
})

// Every page has its own <title>: "居民与房屋 · 共治" (the route's meta.title, else the
// title of the menu item the path lies under, e.g. /residents/42 -> 居民与房屋).
export const APP_TITLE = '共治'
export function pageTitle(to) {
  let title = to.meta && to.meta.title
  if (!title) {
    const item = NAV_ITEMS.find((i) => to.path === i.path || to.path.startsWith(i.path + '/'))
    title = item && item.title
  }
  return title ? `${title} · ${APP_TITLE}` : `${APP_TITLE} · 党建引领社区治理平台`
}
router.afterEach((to) => {
  document.title = pageTitle(to)
})

// A 401 while using the app (session expired, logged out elsewhere): back to /login.
setUnauthorizedHandler(() => {
  const current = router.currentRoute.value
  const wasSignedIn = !!session.user
  clearSession()
  if (current.meta && current.meta.public) return
  if (!wasSignedIn && current.matched.length === 0) return // the guard handles the first navigation
  router.replace(loginRoute(current.fullPath))
})

export default router

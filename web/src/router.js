import { createRouter, createWebHistory } from 'vue-router'
import { NAV_ITEMS } from './nav.js'

const DashboardView = () => import('./views/DashboardView.vue')
const PlaceholderView = () => import('./views/PlaceholderView.vue')
const NotFoundView = () => import('./views/NotFoundView.vue')

const VIEWS = {
  dashboard: DashboardView,
}

const routes = [
  { path: '/', redirect: '/dashboard' },
  ...NAV_ITEMS.map((item) => ({
    path: item.path,
    name: item.name,
    component: item.placeholder ? PlaceholderView : VIEWS[item.name],
    props: item.placeholder ? { title: item.title } : false,
    meta: { title: item.title },
  })),
  { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundView, meta: { title: '页面不存在' } },
]

const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

export default router

import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import elementPlusPerComponent from './scripts/vite-element-plus.mjs'

// The files whose static imports make up the login page: the entry (main.js, App.vue,
// the router, the modules' registrations) and the login view.
const LOGIN_ROOTS = [/\/src\/main\.js$/, /\/src\/views\/LoginView\.vue$/]

// True when the module is reached from the login page by static imports only (a
// page's view is imported dynamically by its module's registration: the walk stops there).
const loginReach = new Map()
function neededByLogin(id, getModuleInfo) {
  if (loginReach.has(id)) return loginReach.get(id)
  loginReach.set(id, false) // cycles: not (yet) known to be reached
  let hit = LOGIN_ROOTS.some((re) => re.test(id))
  const info = getModuleInfo(id)
  for (const importer of (info && info.importers) || []) {
    if (hit) break
    hit = neededByLogin(importer, getModuleInfo)
  }
  loginReach.set(id, hit)
  return hit
}

// Backend (the C server) address used by `npm run dev`.
const backend = process.env.GONGZHI_BACKEND || 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [vue(), elementPlusPerComponent()],
  base: '/',
  // '@/x.js' is web/src/x.js: modules import the shell and each other without ../../..
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/healthz': { target: backend, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // What the login page needs from node_modules (Vue, the router, the Element Plus
    // components of the shell and of the login form, with their CSS) is one vendor
    // chunk. Everything else from node_modules goes with the pages that import it (a
    // page's chunk, or a chunk shared by a few pages), so the login page does not
    // download the tables, date pickers and uploads of the other pages. ECharts is a
    // chunk of its own, loaded by the pages that draw.
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      output: {
        manualChunks(id, { getModuleInfo }) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
          if (id.includes('node_modules/') && neededByLogin(id, getModuleInfo)) return 'vendor'
          return undefined
        },
      },
    },
  },
})

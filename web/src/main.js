import { createApp } from 'vue'
import App from './App.vue'
import router from './router.js'
// Element Plus: its base styles here; each component (JS and CSS) is imported by the
// file that uses it (`import { ElButton } from 'element-plus'`, scripts/vite-element-plus.mjs).
import 'element-plus/theme-chalk/base.css'
import './styles.css'

createApp(App).use(router).mount('#app')

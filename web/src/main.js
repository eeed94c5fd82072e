import { createApp } from 'vue'
import App from './App.vue'
import router from './router.js'
import ElementPlus from './plugins/element.js'
import './styles.css'

createApp(App).use(router).use(ElementPlus).mount('#app')

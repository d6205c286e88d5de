import { createApp } from 'vue'
import App from './components/App.vue'
import './style.css'
import { locale } from './i18n.js'
import { applyTheme } from './theme.js'

document.documentElement.lang = locale.value
applyTheme()
createApp(App).mount('#app')

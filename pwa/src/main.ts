import { createApp } from 'vue'
import App from './App.vue'
import './styles.css'
import { install as installI18n } from './modules/i18n'
import { install as installPinia } from './modules/pinia'
import { install as installRouter } from './router'
import { install as installPwa } from './modules/pwa'

const app = createApp(App)
for (const install of [installI18n, installPinia, installRouter, installPwa]) install(app)
app.mount('#app')

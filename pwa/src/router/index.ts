import type { App } from 'vue'
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import { fieldRoutes } from './field'
import { deskHome, deskRoutes } from './desk'

declare module 'vue-router' {
  interface RouteMeta {
    /** public pages need no session */
    public?: boolean
    /** bottom tab this page belongs to */
    tab?: string
    /** locale key of the page title */
    title?: string
    /** shows a back arrow */
    back?: boolean
    /** roles allowed (any of); none = every signed-in user */
    roles?: string[]
  }
}

// Other areas of the app (e.g. the desk screens) add their route lists here.
const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/pages/LoginPage.vue'), meta: { public: true } },
  ...fieldRoutes,
  ...deskRoutes,
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (!auth.loaded) await auth.load()
  // An expired session still opens every screen: work goes on offline; the banner asks to sign in.
  if (!to.meta.public && !auth.signedIn) return { name: 'login', query: { next: to.fullPath } }
  // Desk roles land on their desk screen instead of the field app's report screen.
  const home = to.name === 'report' ? deskHome(auth.roles) : null
  if (home) return home
  if (to.meta.roles && !to.meta.roles.some((r) => auth.roles.has(r))) return { name: 'report' }
  return true
})

export function install(app: App): void {
  app.use(router)
}

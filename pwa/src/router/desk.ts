import type { RouteRecordRaw } from 'vue-router'

// The desk (dispatchers, unit staff, supervisors). Every page is its own lazy chunk: none of it,
// nor ECharts or Leaflet, enters the field app's initial bundle.
declare module 'vue-router' {
  interface RouteMeta {
    /** a desk page: the desk navigation shows, the field tab bar does not */
    desk?: boolean
  }
}

const DESK = ['dispatcher', 'supervisor', 'admin']
const SUPERVISE = ['supervisor', 'dispatcher', 'admin']

/** Where a user lands after sign-in; null = the field app (grid workers, volunteers). */
export function deskHome(roles: Set<string>): string | null {
  if (roles.has('grid_worker') || roles.has('volunteer')) return null
  if (roles.has('dispatcher') || roles.has('admin')) return '/desk/triage'
  if (roles.has('unit_handler')) return '/desk/inbox'
  if (roles.has('supervisor')) return '/desk/overdue'
  return null
}

export const deskRoutes: RouteRecordRaw[] = [
  { path: '/desk/triage', name: 'desk-triage', component: () => import('@/pages/desk/TriagePage.vue'),
    meta: { desk: true, title: 'desk.title.triage', roles: ['dispatcher', 'supervisor', 'admin'] } },
  { path: '/desk/inbox', name: 'desk-inbox', component: () => import('@/pages/desk/InboxPage.vue'),
    meta: { desk: true, title: 'desk.title.inbox', roles: ['unit_handler', 'admin'] } },
  { path: '/desk/overdue', name: 'desk-overdue', component: () => import('@/pages/desk/OverduePage.vue'),
    meta: { desk: true, title: 'desk.title.overdue', roles: SUPERVISE } },
  { path: '/desk/map', name: 'desk-map', component: () => import('@/pages/desk/MapPage.vue'),
    meta: { desk: true, title: 'desk.title.map', roles: SUPERVISE } },
  { path: '/desk/dashboard', name: 'desk-dashboard', component: () => import('@/pages/desk/DashboardPage.vue'),
    meta: { desk: true, title: 'desk.title.dashboard', roles: [...SUPERVISE, 'unit_handler'] } },
  { path: '/desk/notice', name: 'desk-notice', component: () => import('@/pages/desk/NoticePage.vue'),
    meta: { desk: true, title: 'desk.title.notice', roles: SUPERVISE } },
  { path: '/desk/tickets/:id', name: 'desk-ticket', component: () => import('@/pages/desk/TicketPage.vue'), props: true,
    meta: { desk: true, title: 'desk.title.ticket', back: true } },
  { path: '/desk/tickets/:id/notice', name: 'desk-rectify', component: () => import('@/pages/desk/RectifyNoticePage.vue'), props: true,
    meta: { desk: true, title: 'desk.title.rectify', back: true, roles: DESK } },
  { path: '/desk', redirect: '/desk/triage' },
]

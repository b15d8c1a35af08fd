import type { RouteRecordRaw } from 'vue-router'
import ReportPage from '@/pages/ReportPage.vue'

// The field app (grid workers, volunteers). The report screen is in the entry chunk: it is the
// first thing a worker sees; the rest load on demand (and are precached for offline use).
export const fieldRoutes: RouteRecordRaw[] = [
  { path: '/', name: 'report', component: ReportPage, meta: { tab: 'report', title: 'report.title' } },
  { path: '/reports', name: 'reports', component: () => import('@/pages/MyReportsPage.vue'), meta: { tab: 'reports', title: 'reports.title' } },
  { path: '/reports/:id', name: 'report-detail', component: () => import('@/pages/ReportDetailPage.vue'), props: true, meta: { title: 'reports.detail', back: true } },
  { path: '/tasks', name: 'tasks', component: () => import('@/pages/TasksPage.vue'), meta: { tab: 'tasks', title: 'tasks.title', roles: ['grid_worker'] } },
  { path: '/tasks/:id', name: 'recheck', component: () => import('@/pages/RecheckPage.vue'), props: true, meta: { title: 'tasks.recheck', back: true, roles: ['grid_worker'] } },
  { path: '/outbox', name: 'outbox', component: () => import('@/pages/OutboxPage.vue'), meta: { title: 'outbox.title', back: true } },
  { path: '/notifications', name: 'notifications', component: () => import('@/pages/NotificationsPage.vue'), meta: { title: 'notifications.title', back: true } },
  { path: '/me', name: 'me', component: () => import('@/pages/MePage.vue'), meta: { tab: 'me', title: 'me.title' } },
]

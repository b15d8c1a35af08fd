// In-app notifications (督办, 超期, 新派遣, 复核超期): the unread count for the header's bell, kept
// fresh by a light poll while the app is visible and online, and the list for the page.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { useContext } from '@/app/context'
import type { components } from '@/api/schema'

export type AppNotification = components['schemas']['NotificationPublic']
type Page = components['schemas']['NotificationsPage']

export const POLL_MS = 60_000
const PAGE = 30

function isPage(v: unknown): Page | null {
  return typeof v === 'object' && v !== null && Array.isArray((v as Page).items) && typeof (v as Page).unread === 'number'
    ? (v as Page) : null
}

export const useNotificationsStore = defineStore('notifications', () => {
  const unread = ref(0)
  const items = shallowRef<AppNotification[]>([])
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const error = ref<unknown>(null)
  let timer: ReturnType<typeof setTimeout> | null = null

  async function get(path: string): Promise<Page> {
    const { api } = await useContext()
    return api.json('GET', path, isPage)
  }

  /** The unread count alone (one row fetched). Failures are quiet: offline is normal. */
  async function refreshCount(): Promise<void> {
    if (!navigator.onLine) return
    try {
      unread.value = (await get('/api/v1/notifications?unread=true&limit=1')).unread
    } catch {
      // keep the last count; the page shows errors when the user asks for the list
    }
  }

  /** The first page again, or the next one (`more`). */
  async function load(more = false): Promise<void> {
    loading.value = true
    try {
      const cursor = more && nextCursor.value ? `&cursor=${encodeURIComponent(nextCursor.value)}` : ''
      const page = await get(`/api/v1/notifications?limit=${PAGE}${cursor}`)
      items.value = more ? [...items.value, ...page.items] : page.items
      nextCursor.value = page.next_cursor
      unread.value = page.unread
      error.value = null
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
  }

  async function markRead(n: AppNotification): Promise<void> {
    if (n.read_at) return
    const { api } = await useContext()
    const read = await api.json('POST', `/api/v1/notifications/${encodeURIComponent(n.id)}/read`,
      (v) => (typeof v === 'object' && v !== null ? (v as AppNotification) : null))
    items.value = items.value.map((x) => (x.id === n.id ? read : x))
    unread.value = Math.max(0, unread.value - 1)
  }

  async function markAllRead(): Promise<void> {
    const { api } = await useContext()
    await api.json('POST', '/api/v1/notifications/read-all', (v) => v)
    const now = new Date().toISOString()
    items.value = items.value.map((x) => (x.read_at ? x : { ...x, read_at: now }))
    unread.value = 0
  }

  function schedule(): void {
    if (timer) clearTimeout(timer)
    timer = document.visibilityState === 'visible' ? setTimeout(() => void refreshCount().finally(schedule), POLL_MS) : null
  }

  function onWake(): void {
    if (document.visibilityState === 'visible') void refreshCount().finally(schedule)
  }

  /** Starts polling for the signed-in user; `stop` on sign-out. */
  function start(): void {
    stop()
    document.addEventListener('visibilitychange', onWake)
    window.addEventListener('online', onWake)
    onWake()
  }

  function stop(): void {
    if (timer) clearTimeout(timer)
    timer = null
    document.removeEventListener('visibilitychange', onWake)
    window.removeEventListener('online', onWake)
    unread.value = 0
    items.value = []
    nextCursor.value = null
  }

  return { unread, items, nextCursor, loading, error, refreshCount, load, markRead, markAllRead, start, stop }
})

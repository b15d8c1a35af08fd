// A work queue that stays fresh without a reload: poll with If-None-Match every ~15 s while the
// page is visible (the server answers 304 when nothing changed), and at once when it comes back.
import { onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'
import { useContext } from '@/app/context'
import { parseOurs } from '@/api/http'
import { subscribe } from '@/sync/bus'
import { parse, type Ticket } from './types'

export const POLL_MS = 15_000

export function useQueue(path: Ref<string>) {
  const items = shallowRef<Ticket[]>([])
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<unknown>(null)
  const updatedAt = ref<Date | null>(null)
  let etag: string | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  let inflight: Promise<void> | null = null
  let disposed = false

  async function fetchOnce(force: boolean): Promise<void> {
    const { api } = await useContext()
    const headers: Record<string, string> = etag && !force ? { 'If-None-Match': etag } : {}
    const res = await api.send('GET', path.value, { headers, accept: [304] })
    if (res.status === 304) return
    const page = await parseOurs(res, parse.page)
    etag = res.headers.get('etag')
    items.value = page.items
    updatedAt.value = new Date()
  }

  /** Loads now; `force` ignores the ETag (after our own action, to show it at once). */
  function refresh(force = false): Promise<void> {
    inflight ??= (async () => {
      loading.value = true
      try {
        await fetchOnce(force)
        error.value = null
        loaded.value = true
      } catch (err) {
        error.value = err
      } finally {
        loading.value = false
        inflight = null
      }
    })()
    return inflight
  }

  function schedule(): void {
    if (timer) clearTimeout(timer)
    timer = null
    if (disposed || document.visibilityState !== 'visible') return
    timer = setTimeout(() => void refresh().finally(schedule), POLL_MS)
  }

  function onVisibility(): void {
    if (document.visibilityState === 'visible') void refresh().finally(schedule)
    else if (timer) clearTimeout(timer)
  }

  document.addEventListener('visibilitychange', onVisibility)
  // Our own outbox sent something (sign/handle from this phone): the queue has moved.
  const unsubscribe = subscribe((e) => {
    if (e.type === 'outbox') void refresh(true)
  })
  watch(path, () => {
    etag = null
    void refresh(true).finally(schedule)
  }, { immediate: true })

  onScopeDispose(() => {
    disposed = true
    if (timer) clearTimeout(timer)
    document.removeEventListener('visibilitychange', onVisibility)
    unsubscribe()
  })
  return { items, loading, loaded, error, updatedAt, refresh }
}

// A work queue that stays fresh without a reload: poll with If-None-Match every ~15 s while the
// page is visible (the server answers 304 when nothing changed), and at once when it comes back.
import { onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'
import { useContext } from '@/app/context'
import { parseOurs } from '@/api/http'
import { subscribe } from '@/sync/bus'
import { parse, type Ticket } from './types'

export const POLL_MS = 15_000

/** `parser` reads one answer (default: a TicketsPage); `body` keeps the whole of the last one. */
export function useQueue<T = Ticket, B extends { items: T[] } = { items: T[] }>(
  path: Ref<string>, parser: (v: unknown) => B | null = parse.page as unknown as (v: unknown) => B | null,
) {
  const items = shallowRef<T[]>([])
  const body = shallowRef<B | null>(null)
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
    const page = await parseOurs(res, parser)
    etag = res.headers.get('etag')
    body.value = page
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
  return { items, body, loading, loaded, error, updatedAt, refresh }
}

// Queue items (TicketPublic) carry no photo hashes, so the first photo of each listed ticket
// comes from its detail, fetched once per ticket version and a few at a time.
import { shallowReactive, watch, type Ref } from 'vue'
import { getTicket } from './useDeskApi'
import type { Ticket } from './types'

const cache = new Map<string, { version: number; sha: string | null }>()
const CONCURRENCY = 4

export function useFirstPhotos(items: Ref<Ticket[]>) {
  const photos = shallowReactive(new Map<string, string | null>())
  let queue: Ticket[] = []
  let running = 0

  function pump(): void {
    while (running < CONCURRENCY && queue.length) {
      const t = queue.shift()!
      running++
      getTicket(t.id)
        .then((d) => {
          const sha = d.reports.flatMap((r) => r.photos)[0] ?? d.events.flatMap((e) => e.photos)[0] ?? null
          cache.set(t.id, { version: t.version, sha })
          photos.set(t.id, sha)
        })
        .catch((err: unknown) => console.warn('thumbnail', t.number, err))
        .finally(() => {
          running--
          pump()
        })
    }
  }

  watch(items, (list) => {
    queue = []
    for (const t of list) {
      const c = cache.get(t.id)
      if (c) photos.set(t.id, c.sha)
      // Photos never leave a ticket, so an older version's first photo still stands.
      if (!c) queue.push(t)
    }
    pump()
  }, { immediate: true })
  return photos
}

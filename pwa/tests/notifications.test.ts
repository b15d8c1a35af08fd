// The notifications store behind the header's bell and the 消息 page.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ApiClient } from '@/api/http'
import { json } from './fakeServer'
import { rig, type Rig } from './helpers'

const ctx: { current: (Rig & { api: ApiClient }) | null } = { current: null }
vi.mock('@/app/context', () => ({ useContext: async () => ctx.current }))

const { useNotificationsStore } = await import('@/stores/notifications')

function note(id: string, read = false) {
  return { id, kind: 'urge', message: `督办：案件 ${id}`, ticket_id: `t-${id}`, user_id: null, unit_id: 'u1', role: null,
    created_at: '2026-11-30T01:00:00Z', read_at: read ? '2026-11-30T02:00:00Z' : null }
}

describe('notifications store', () => {
  let requests: Array<{ method: string; url: string }>
  let answer: (url: string, method: string) => Response

  beforeEach(async () => {
    setActivePinia(createPinia())
    vi.stubGlobal('navigator', { onLine: true })
    requests = []
    const r = await rig()
    const fetchFn = async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET'
      requests.push({ method, url })
      return answer(url, method)
    }
    ctx.current = { ...r, api: new ApiClient(r.sessions, fetchFn, 'http://phone.test') }
  })

  it('counts unread with a one-row request and keeps the count when the network fails', async () => {
    const store = useNotificationsStore()
    answer = () => json(200, { items: [note('a')], next_cursor: 'c1', unread: 7 })
    await store.refreshCount()
    expect(store.unread).toBe(7)
    expect(requests.at(-1)!.url).toContain('unread=true&limit=1')

    answer = () => new Response('<html>Wi-Fi login</html>', { status: 200, headers: { 'content-type': 'text/html' } })
    await store.refreshCount()
    expect(store.unread).toBe(7) // a captive portal's page is not an answer

    vi.stubGlobal('navigator', { onLine: false })
    const before = requests.length
    await store.refreshCount()
    expect(requests.length).toBe(before) // offline: no request at all
  })

  it('loads pages by cursor, marks one read, then all', async () => {
    const store = useNotificationsStore()
    answer = (url) => url.includes('cursor=c1')
      ? json(200, { items: [note('c', true)], next_cursor: null, unread: 2 })
      : json(200, { items: [note('a'), note('b')], next_cursor: 'c1', unread: 2 })
    await store.load()
    await store.load(true)
    expect(store.items.map((n) => n.id)).toEqual(['a', 'b', 'c'])
    expect(store.nextCursor).toBeNull()

    answer = (url, method) => (method === 'POST' && url.endsWith('/a/read') ? json(200, note('a', true)) : json(500, {}))
    await store.markRead(store.items[0]!)
    expect(store.unread).toBe(1)
    expect(store.items[0]!.read_at).not.toBeNull()
    await store.markRead(store.items[0]!) // already read: no request
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1)

    answer = (url, method) => (method === 'POST' && url.endsWith('/read-all') ? json(200, { marked: 1 }) : json(500, {}))
    await store.markAllRead()
    expect(store.unread).toBe(0)
    expect(store.items.every((n) => n.read_at !== null)).toBe(true)
  })

  it('shows an error, not an empty list, when the list cannot load', async () => {
    const store = useNotificationsStore()
    answer = () => json(503, { error: { code: 'database_unavailable', message: 'x', details: {}, request_id: 'r' } })
    await store.load()
    expect(store.error).not.toBeNull()
    expect(store.items).toEqual([])
  })
})

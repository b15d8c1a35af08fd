// Desk composables: the ETag-polled queue and the outbox path of unit-staff actions.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, ref, nextTick } from 'vue'
import { ApiClient } from '@/api/http'
import { pending } from '@/sync/outbox'
import { json } from './fakeServer'
import { rig, type Rig } from './helpers'

// The composables reach the app's services through useContext(); hand them the test rig's.
const ctx: { current: (Rig & { api: ApiClient }) | null } = { current: null }
vi.mock('@/app/context', () => ({ useContext: async () => ctx.current }))

// useQueue listens to visibilitychange; the node environment has no document.
const listeners = new Map<string, () => void>()
;(globalThis as { document?: unknown }).document = {
  visibilityState: 'visible',
  addEventListener: (name: string, fn: () => void) => listeners.set(name, fn),
  removeEventListener: (name: string) => listeners.delete(name),
}

const { useQueue, POLL_MS } = await import('@/composables/desk/useQueue')
const { useTicket } = await import('@/composables/desk/useTicket')
const { deskHome } = await import('@/router/desk')

function ticket(id: string, version: number, status = 'dispatched') {
  return { id, number: `JB-${id}`, status, version, category_code: '06010', pending_extension: {} }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await Promise.resolve()
    await nextTick()
    await new Promise((r) => setImmediate(r))
  }
}

describe('useQueue', () => {
  let requests: Array<{ url: string; headers: Record<string, string> }>
  let answer: () => Response

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    requests = []
    const r = await rig()
    const fetchFn = async (url: string, init?: RequestInit) => {
      requests.push({ url, headers: { ...(init?.headers as Record<string, string>) } })
      return answer()
    }
    ctx.current = { ...r, api: new ApiClient(r.sessions, fetchFn, 'http://phone.test') }
  })
  afterEach(() => vi.useRealTimers())

  it('sends If-None-Match on every poll and keeps the list on 304', async () => {
    answer = () => json(200, { items: [ticket('a', 1)], next_cursor: null, limit: 50 }, { etag: 'W/"v1"' })
    const scope = effectScope()
    const q = scope.run(() => useQueue(ref('/api/v1/queues/inbox')))!
    await settle()
    expect(q.items.value.map((t) => t.id)).toEqual(['a'])
    expect(requests[0]!.headers['If-None-Match']).toBeUndefined()

    answer = () => new Response(null, { status: 304, headers: { etag: 'W/"v1"', 'x-request-id': 'r2' } })
    await vi.advanceTimersByTimeAsync(POLL_MS)
    await settle()
    expect(requests).toHaveLength(2)
    expect(requests[1]!.headers['If-None-Match']).toBe('W/"v1"')
    expect(q.items.value.map((t) => t.id)).toEqual(['a'])
    expect(q.error.value).toBeNull()

    answer = () => json(200, { items: [ticket('a', 2), ticket('b', 1)], next_cursor: null, limit: 50 }, { etag: 'W/"v2"' })
    await vi.advanceTimersByTimeAsync(POLL_MS)
    await settle()
    expect(q.items.value.map((t) => t.id)).toEqual(['a', 'b'])
    scope.stop()
  })

  it('does not poll while the page is hidden', async () => {
    answer = () => json(200, { items: [], next_cursor: null, limit: 50 }, { etag: 'W/"e"' })
    const doc = globalThis.document as unknown as { visibilityState: string }
    const scope = effectScope()
    scope.run(() => useQueue(ref('/api/v1/queues/triage')))
    await settle()
    doc.visibilityState = 'hidden'
    listeners.get('visibilitychange')!()
    await vi.advanceTimersByTimeAsync(POLL_MS * 4)
    await settle()
    expect(requests).toHaveLength(1)
    doc.visibilityState = 'visible'
    listeners.get('visibilitychange')!()
    await settle()
    expect(requests).toHaveLength(2)
    scope.stop()
  })
})

describe('useTicket', () => {
  it('queues sign then handle through the outbox, the second at version + 1', async () => {
    const r = await rig()
    const detail = { ticket: ticket('t1', 4), reports: [], events: [], routing: null, allowed_actions: ['sign', 'handle'] }
    const fetchFn = async () => json(200, detail)
    const kick = vi.fn(async () => 'ok' as const)
    ctx.current = { ...r, api: new ApiClient(r.sessions, fetchFn, 'http://phone.test'), engine: { kick } as never }
    const scope = effectScope()
    const tk = scope.run(() => useTicket(ref('t1')))!
    await settle()
    expect(tk.ticket.value?.version).toBe(4)
    expect(await tk.queue('sign', {})).toBe('queued')
    expect(await tk.queue('handle', { photos: ['a'.repeat(64)], note: '已清理' }, ['a'.repeat(64)])).toBe('queued')
    const items = await pending(r.db)
    expect(items.map((m) => [m.name, (m.args as { base_version: number }).base_version])).toEqual([['ticket.sign', 4], ['ticket.handle', 5]])
    expect(tk.queued.value).toEqual(['sign', 'handle'])
    expect(kick).toHaveBeenCalled()
    scope.stop()
  })

  it('says "not found" when the server answers 404 (another unit\'s ticket)', async () => {
    const r = await rig()
    const fetchFn = async () => json(404, { error: { code: 'not_found', message: 'ticket not found' } })
    ctx.current = { ...r, api: new ApiClient(r.sessions, fetchFn, 'http://phone.test') }
    const scope = effectScope()
    const tk = scope.run(() => useTicket(ref('other')))!
    await settle()
    expect(tk.notFound.value).toBe(true)
    expect(tk.detail.value).toBeNull()
    scope.stop()
  })
})

describe('deskHome', () => {
  it('sends each role to its screen and field roles to the field app', () => {
    expect(deskHome(new Set(['dispatcher']))).toBe('/desk/triage')
    expect(deskHome(new Set(['unit_handler']))).toBe('/desk/inbox')
    expect(deskHome(new Set(['supervisor']))).toBe('/desk/overdue')
    expect(deskHome(new Set(['grid_worker']))).toBeNull()
    expect(deskHome(new Set(['volunteer']))).toBeNull()
  })
})

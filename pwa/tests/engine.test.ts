import { afterEach, describe, expect, it, vi } from 'vitest'
import { getMeta, setMeta } from '@/sync/db'
import { enqueue, pending, pendingCount, queuedPhotoCount, rejectedItems, savePhoto } from '@/sync/outbox'
import { backoffDelay } from '@/sync/backoff'
import { captivePortal, json } from './fakeServer'
import { reportArgs, rig, SHA_A, SHA_B } from './helpers'

afterEach(() => {
  vi.useRealTimers()
})

describe('push', () => {
  it('sends the outbox in id order and empties it', async () => {
    const { db, server, engine } = await rig()
    for (let i = 1; i <= 5; i++) await enqueue(db, 'report.create', reportArgs(i))
    expect(await engine.syncNow()).toBe('ok')
    expect(server.applied.map((m) => m.id)).toEqual([1, 2, 3, 4, 5])
    expect(server.pushBodies[0]!.mutations.map((m) => m.id)).toEqual([1, 2, 3, 4, 5])
    expect(await pendingCount(db)).toBe(0)
    engine.stop()
  })

  it('sends big outboxes in ordered batches', async () => {
    const { db, server, api } = await rig()
    const { SyncEngine } = await import('@/sync/engine')
    const engine = new SyncEngine({ db, api, batchSize: 2, random: () => 0.5 })
    for (let i = 1; i <= 5; i++) await enqueue(db, 'report.create', reportArgs(i))
    await engine.syncNow()
    expect(server.pushBodies.map((b) => b.mutations.map((m) => m.id))).toEqual([[1, 2], [3, 4], [5]])
    engine.stop()
  })

  it('keeps rejections with their reason and never resends them', async () => {
    const { db, server, engine } = await rig()
    server.rejectIf = (m) => (m.id === 2 ? { code: 'category_unknown', message: '事项编码不存在' } : null)
    for (let i = 1; i <= 3; i++) await enqueue(db, 'report.create', reportArgs(i))
    await engine.syncNow()
    expect(server.applied.map((m) => m.id)).toEqual([1, 3])
    const rejected = await rejectedItems(db)
    expect(rejected.map((r) => [r.id, r.error.code])).toEqual([[2, 'category_unknown']])
    await enqueue(db, 'report.create', reportArgs(4))
    await engine.syncNow()
    const sentIds = server.pushBodies.flatMap((b) => b.mutations.map((m) => m.id))
    expect(sentIds).toEqual([1, 2, 3, 4])
    expect(await rejectedItems(db)).toHaveLength(1)
    engine.stop()
  })

  it('survives a reply delivered twice: no double removal, no id reuse', async () => {
    const { db, server, engine } = await rig()
    await enqueue(db, 'report.create', reportArgs(1))
    await enqueue(db, 'report.create', reportArgs(2))
    // The first push's reply is "lost" (connection drops after the server applied it).
    let dropped = false
    server.intercept = async (req) => {
      server.intercept = null
      const res = await server.handle(req)
      dropped = res.ok
      throw new TypeError('Failed to fetch')
    }
    expect(await engine.syncNow()).toBe('failed')
    expect(dropped).toBe(true)
    expect(await pendingCount(db)).toBe(2)
    // Resent: the server answers duplicate for both and applies nothing twice.
    expect(await engine.syncNow()).toBe('ok')
    expect(server.applied.map((m) => m.id)).toEqual([1, 2])
    expect(server.pushBodies.at(-1)!.mutations.map((m) => m.id)).toEqual([1, 2])
    expect(await pendingCount(db)).toBe(0)
    const next = await enqueue(db, 'report.create', reportArgs(3))
    expect(next.id).toBe(3)
    engine.stop()
  })

  it('treats a captive portal\'s HTML 200 as a failure and removes nothing', async () => {
    const { db, server, engine } = await rig()
    await enqueue(db, 'report.create', reportArgs(1))
    server.intercept = () => captivePortal()
    expect(await engine.syncNow()).toBe('failed')
    expect(engine.phase).toBe('error')
    expect(await pendingCount(db)).toBe(1)
    expect((await pending(db))[0]!.attempts).toBe(1)
    server.intercept = null
    expect(await engine.syncNow()).toBe('ok')
    expect(server.applied.map((m) => m.id)).toEqual([1])
    engine.stop()
  })

  it('treats JSON of the wrong shape (a proxy\'s 200 {}) as a failure', async () => {
    const { db, server, engine } = await rig()
    await enqueue(db, 'report.create', reportArgs(1))
    server.intercept = () => json(200, { ok: true })
    expect(await engine.syncNow()).toBe('failed')
    expect(await pendingCount(db)).toBe(1)
    engine.stop()
  })
})

describe('gap', () => {
  it('renumbers unsent mutations when the server expects a lower id, and sends them in order', async () => {
    const { db, server, engine } = await rig()
    const { getClientId } = await import('@/sync/outbox')
    for (let i = 1; i <= 3; i++) await enqueue(db, 'report.create', reportArgs(i))
    const { applyResults } = await import('@/sync/outbox')
    await applyResults(db, [{ id: 1, status: 'applied', error: null }], 1)
    server.lastMutationId.set(await getClientId(db), 0) // the server lost its record of this client
    server.applied = []
    expect(await engine.syncNow()).toBe('ok')
    expect(server.applied.map((m) => [m.id, (m.args as { description: string }).description])).toEqual([[1, '#2'], [2, '#3']])
    expect(await pendingCount(db)).toBe(0)
    expect((await enqueue(db, 'report.create', reportArgs(4))).id).toBeGreaterThan(2)
    engine.stop()
  })
})

describe('retry', () => {
  it('backs off exponentially with jitter and keeps everything until the server answers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { db, server, engine } = await rig({ random: () => 0.5 })
    await enqueue(db, 'report.create', reportArgs(1))
    server.intercept = () => { throw new TypeError('Failed to fetch') }
    const pushes = () => server.calls.filter((c) => c === 'POST /api/v1/sync/push').length

    expect(await engine.syncNow()).toBe('failed')
    expect(engine.phase).toBe('offline')
    expect(pushes()).toBe(1)
    const delays = [backoffDelay(1, () => 0.5), backoffDelay(2, () => 0.5), backoffDelay(3, () => 0.5)]
    expect(delays[1]!).toBeGreaterThan(delays[0]!)
    expect(delays[2]!).toBeGreaterThan(delays[1]!)
    for (let attempt = 0; attempt < 3; attempt++) {
      await vi.advanceTimersByTimeAsync(delays[attempt]! - 1)
      expect(pushes()).toBe(attempt + 1)
      await vi.advanceTimersByTimeAsync(1)
      await vi.waitFor(() => expect(pushes()).toBe(attempt + 2))
    }
    expect(await pendingCount(db)).toBe(1)
    server.intercept = null
    await vi.advanceTimersByTimeAsync(backoffDelay(4, () => 0.5))
    await vi.waitFor(async () => expect(await pendingCount(db)).toBe(0))
    expect(engine.failures).toBe(0)
    engine.stop()
  })

  it('jitter spreads the delay between half and all of the exponential step, capped', () => {
    expect(backoffDelay(1, () => 0)).toBe(1000)
    expect(backoffDelay(1, () => 1)).toBe(2000)
    expect(backoffDelay(3, () => 0)).toBe(4000)
    expect(backoffDelay(30, () => 1)).toBe(300_000)
  })
})

describe('kick (the user acted, or the network came back)', () => {
  it('a kick while a cycle is pulling sends what was just queued right after it, not on the timer', async () => {
    const { db, server, engine } = await rig()
    await enqueue(db, 'report.create', reportArgs(1))
    let kicked: Promise<unknown> | null = null
    server.intercept = async (req) => {
      if (req.path !== '/api/v1/sync/pull' || kicked) return null
      // The user taps 退回 while this cycle is already past its push.
      await enqueue(db, 'report.create', reportArgs(2))
      kicked = engine.kick()
      return null
    }
    expect(await engine.syncNow()).toBe('ok')
    expect(server.applied.map((m) => m.id)).toEqual([1])
    expect(await kicked).toBe('ok')
    expect(server.applied.map((m) => m.id)).toEqual([1, 2])
    expect(await pendingCount(db)).toBe(0)
    engine.stop()
  })
})

describe('auth', () => {
  it('refreshes an expired access token and resends', async () => {
    const { db, server, engine } = await rig()
    server.validAccess.delete('A1') // the server no longer takes the token we hold
    await enqueue(db, 'report.create', reportArgs(1))
    expect(await engine.syncNow()).toBe('ok')
    expect(server.refreshCount).toBe(1)
    expect(server.applied.map((m) => m.id)).toEqual([1])
    const session = await getMeta(db, 'session')
    expect(session!.refresh_token).not.toBe('R1') // rotated
  })

  it('refreshes ahead of time when the token is about to expire', async () => {
    const { db, server, engine } = await rig()
    const s = (await getMeta(db, 'session'))!
    await setMeta(db, 'session', { ...s, access_expires_at: Date.now() + 10_000 })
    await enqueue(db, 'report.create', reportArgs(1))
    expect(await engine.syncNow()).toBe('ok')
    expect(server.refreshCount).toBe(1)
    expect(server.calls.indexOf('POST /api/v1/auth/refresh')).toBeLessThan(server.calls.indexOf('POST /api/v1/sync/push'))
  })

  it('keeps the outbox when the session is revoked, asks to sign in, then sends', async () => {
    const { db, server, engine, sessions } = await rig()
    server.validAccess.clear()
    server.validRefresh.clear() // revoked
    await enqueue(db, 'report.create', reportArgs(1))
    await enqueue(db, 'report.create', reportArgs(2))
    expect(await engine.syncNow()).toBe('auth')
    expect(engine.phase).toBe('auth')
    expect((await getMeta(db, 'session'))!.expired).toBe(true)
    expect(await pendingCount(db)).toBe(2)
    expect(server.applied).toHaveLength(0)
    await sessions.login({ username: 'grid01', password: 'x' })
    expect(await engine.syncNow()).toBe('ok')
    expect(server.applied.map((m) => m.id)).toEqual([1, 2])
    engine.stop()
  })
})

describe('photos', () => {
  it('uploads by hash after the text: HEAD, then PUT only what the server lacks', async () => {
    const { db, server, engine } = await rig()
    const jpeg = (n: number) => new Blob([new Uint8Array([0xff, 0xd8, n])], { type: 'image/jpeg' })
    await savePhoto(db, { sha: SHA_A, blob: jpeg(1), type: 'image/jpeg', size: 3, width: 1, height: 1 })
    await savePhoto(db, { sha: SHA_B, blob: jpeg(2), type: 'image/jpeg', size: 3, width: 1, height: 1 })
    server.media.set(SHA_B, 3) // already on the server
    await enqueue(db, 'report.create', reportArgs(1, [SHA_A, SHA_B]), [SHA_A, SHA_B])
    expect(await engine.syncNow()).toBe('ok')
    const media = server.calls.filter((c) => c.includes('/media/'))
    expect(media).toEqual([`HEAD /api/v1/media/${SHA_A}`, `PUT /api/v1/media/${SHA_A}`, `HEAD /api/v1/media/${SHA_B}`])
    expect(server.calls.indexOf('POST /api/v1/sync/push')).toBeLessThan(server.calls.indexOf(`HEAD /api/v1/media/${SHA_A}`))
    expect(await queuedPhotoCount(db)).toBe(0)
    engine.stop()
  })

  it('does not trust a HEAD 200 that did not come from our server', async () => {
    const { db, server, engine } = await rig()
    await savePhoto(db, { sha: SHA_A, blob: new Blob([new Uint8Array([1])], { type: 'image/jpeg' }), type: 'image/jpeg', size: 1, width: 1, height: 1 })
    await enqueue(db, 'report.create', reportArgs(1, [SHA_A]), [SHA_A])
    server.intercept = (req) => (req.method === 'HEAD' ? new Response(null, { status: 200 }) : null)
    expect(await engine.syncNow()).toBe('failed')
    expect(await queuedPhotoCount(db)).toBe(1)
    server.intercept = null
    expect(await engine.syncNow()).toBe('ok')
    expect(server.media.has(SHA_A)).toBe(true)
    engine.stop()
  })
})

describe('pull', () => {
  it('pages through changes and applies put and del', async () => {
    const { db, server, engine } = await rig()
    server.changes = [
      { op: 'put', type: 'category', id: '09009', data: { code: '09009', name: '机动车乱停放' } },
      { op: 'put', type: 'report', id: 'r1', data: { id: 'r1', status: 'dispatched' } },
      { op: 'put', type: 'ticket', id: 't1', data: { id: 't1', status: 'handled', version: 4 } },
      { op: 'del', type: 'ticket', id: 't1', data: null },
      { op: 'put', type: 'area', id: 'g1', data: { code: 'g1' } },
    ]
    expect(await engine.syncNow()).toBe('ok')
    expect(server.calls.filter((c) => c === 'POST /api/v1/sync/pull')).toHaveLength(3)
    expect((await db.get('category', '09009'))!.data.name).toBe('机动车乱停放')
    expect(await db.get('ticket', 't1')).toBeUndefined()
    expect(await db.count('area')).toBe(1)
    expect(await getMeta(db, 'cursor')).toBe('5')
    engine.stop()
  })

  it('on reset clears the cache and starts again from the empty cursor', async () => {
    const { db, server, engine } = await rig()
    await db.put('ticket', { id: 'stale', data: {}, updated_at: '' })
    await setMeta(db, 'cache_owner', 'u-1')
    await setMeta(db, 'cursor', '999')
    const cursors: string[] = []
    server.intercept = (req) => {
      const { cursor } = req.body as { cursor: string }
      cursors.push(cursor)
      if (cursor === '999') return json(200, { cursor: '0', last_mutation_id: 0, changes: [], has_more: false, reset: true })
      return json(200, { cursor: '1', last_mutation_id: 0, has_more: false, reset: false,
        changes: [{ op: 'put', type: 'ticket', id: 'fresh', data: { id: 'fresh' } }] })
    }
    expect(await engine.syncNow()).toBe('ok')
    expect(cursors).toEqual(['999', ''])
    expect(await db.get('ticket', 'stale')).toBeUndefined()
    expect(await db.get('ticket', 'fresh')).toBeDefined()
    expect(await getMeta(db, 'cursor')).toBe('1')
    engine.stop()
  })
})

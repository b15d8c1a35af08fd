import { describe, expect, it } from 'vitest'
import {
  applyResults, dismissRejected, enqueue, getClientId, pending, pendingCount, photosToUpload, rejectedItems, savePhoto,
} from '@/sync/outbox'
import { reportArgs, rig, SHA_A } from './helpers'

describe('client id', () => {
  it('is minted once per install and kept', async () => {
    const { db } = await rig()
    const a = await getClientId(db)
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(await getClientId(db)).toBe(a)
  })
})

describe('enqueue', () => {
  it('numbers mutations 1, 2, 3… and lists them in order', async () => {
    const { db } = await rig()
    for (let i = 1; i <= 5; i++) await enqueue(db, 'report.create', reportArgs(i))
    const items = await pending(db)
    expect(items.map((m) => m.id)).toEqual([1, 2, 3, 4, 5])
    expect(items.map((m) => (m.args as { description: string }).description)).toEqual(['#1', '#2', '#3', '#4', '#5'])
  })

  it('never reuses an id after items leave the outbox', async () => {
    const { db } = await rig()
    await enqueue(db, 'report.create', reportArgs(1))
    await enqueue(db, 'report.create', reportArgs(2))
    await applyResults(db, [{ id: 1, status: 'applied', error: null }, { id: 2, status: 'applied', error: null }], 2)
    const third = await enqueue(db, 'report.create', reportArgs(3))
    expect(third.id).toBe(3)
  })

  it('allocates distinct increasing ids under concurrent enqueues', async () => {
    const { db } = await rig()
    const items = await Promise.all(Array.from({ length: 10 }, (_, i) => enqueue(db, 'report.create', reportArgs(i))))
    const ids = items.map((m) => m.id).sort((a, b) => a - b)
    expect(new Set(ids).size).toBe(10)
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  it('starts above an id the server already saw', async () => {
    const { db } = await rig()
    await applyResults(db, [], 41)
    expect((await enqueue(db, 'report.create', reportArgs(1))).id).toBe(42)
  })

  it('marks the referenced photos as queued for upload', async () => {
    const { db } = await rig()
    await savePhoto(db, { sha: SHA_A, blob: new Blob([new Uint8Array([1, 2, 3])], { type: 'image/jpeg' }), type: 'image/jpeg', size: 3, width: 1, height: 1 })
    expect(await photosToUpload(db)).toHaveLength(0)
    await enqueue(db, 'report.create', reportArgs(1, [SHA_A]), [SHA_A])
    expect((await photosToUpload(db)).map((p) => p.sha)).toEqual([SHA_A])
  })
})

describe('applyResults', () => {
  it('moves a rejection to the rejected list with its reason', async () => {
    const { db } = await rig()
    await enqueue(db, 'report.create', reportArgs(1))
    await applyResults(db, [{ id: 1, status: 'rejected', error: { code: 'category_unknown', message: 'no such category' } }], 1)
    expect(await pendingCount(db)).toBe(0)
    const rejected = await rejectedItems(db)
    expect(rejected).toHaveLength(1)
    expect(rejected[0]!.error.code).toBe('category_unknown')
    expect(rejected[0]!.args).toMatchObject({ description: '#1' })
  })

  it('is idempotent: the same reply twice removes nothing more', async () => {
    const { db } = await rig()
    await enqueue(db, 'report.create', reportArgs(1))
    await enqueue(db, 'report.create', reportArgs(2))
    const reply = [{ id: 1, status: 'applied' as const, error: null }]
    expect((await applyResults(db, reply, 1)).removed).toBe(1)
    expect((await applyResults(db, reply, 1)).removed).toBe(0)
    expect((await pending(db)).map((m) => m.id)).toEqual([2])
  })

  it('keeps a rejection until the user dismisses it', async () => {
    const { db } = await rig()
    await enqueue(db, 'report.create', reportArgs(1))
    await applyResults(db, [{ id: 1, status: 'rejected', error: { code: 'x', message: 'y' } }], 1)
    await applyResults(db, [{ id: 1, status: 'rejected', error: { code: 'x', message: 'y' } }], 1)
    expect(await rejectedItems(db)).toHaveLength(1)
    await dismissRejected(db, 1)
    expect(await rejectedItems(db)).toHaveLength(0)
  })
})

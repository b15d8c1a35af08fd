import { describe, expect, it } from 'vitest'
import { getMeta, setMeta } from '@/sync/db'
import { AuthRequiredError } from '@/api/errors'
import { bindClient, enqueue, getClientId, OutboxNotEmptyError } from '@/sync/outbox'
import { reportArgs, rig } from './helpers'

describe('refresh token rotation', () => {
  it('refreshes once when many requests find the token expired at the same time', async () => {
    const { db, server, sessions } = await rig()
    const s = (await getMeta(db, 'session'))!
    await setMeta(db, 'session', { ...s, access_expires_at: Date.now() - 1 })
    const tokens = await Promise.all(Array.from({ length: 5 }, () => sessions.accessToken()))
    expect(server.refreshCount).toBe(1) // a second use of the rotated refresh token would be refused
    expect(new Set(tokens).size).toBe(1)
  })

  it('a revoked refresh token marks the session expired and keeps the user known', async () => {
    const { db, server, sessions } = await rig()
    server.validRefresh.clear()
    await expect(sessions.refresh('A1')).rejects.toBeInstanceOf(AuthRequiredError)
    const s = await getMeta(db, 'session')
    expect(s?.expired).toBe(true)
    expect(s?.user.username).toBe('grid01')
  })

  it('a network failure during refresh is not a sign-out', async () => {
    const { db, server, sessions } = await rig()
    server.intercept = () => { throw new TypeError('Failed to fetch') }
    await expect(sessions.refresh('A1')).rejects.toThrow(/Failed to fetch/)
    expect((await getMeta(db, 'session'))?.expired).toBeUndefined()
  })
})

describe('client id and users', () => {
  const grid01 = { id: 'u-1', username: 'grid01', phone: null }
  const grid02 = { id: 'u-2', username: 'grid02', phone: null }

  it('keeps the client id for the same user', async () => {
    const { db } = await rig()
    const id = await getClientId(db)
    await bindClient(db, grid01)
    await bindClient(db, grid01)
    expect(await getClientId(db)).toBe(id)
  })

  it('gives another user a fresh client id and counter once the outbox is empty', async () => {
    const { db } = await rig()
    await bindClient(db, grid01)
    const first = await getClientId(db)
    await enqueue(db, 'report.create', reportArgs(1))
    await expect(bindClient(db, grid02)).rejects.toBeInstanceOf(OutboxNotEmptyError)
    expect(await getClientId(db)).toBe(first)
    await db.clear('outbox')
    await bindClient(db, grid02)
    expect(await getClientId(db)).not.toBe(first)
    expect((await enqueue(db, 'report.create', reportArgs(2))).id).toBe(1)
  })
})

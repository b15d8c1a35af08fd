// The sync engine (DESIGN §6): push the outbox in id order, then upload photos by hash, then
// pull changes into the cache. One sender at a time (Web Lock); transient failures back off
// exponentially with jitter; an expired session parks the outbox until the user signs in.
import type { ApiClient } from '@/api/http'
import { isOurServer } from '@/api/http'
import { AuthRequiredError, HttpError, NetworkError, NotOursError, isTransient } from '@/api/errors'
import { backoffDelay } from './backoff'
import { notify, type SyncPhase } from './bus'
import { CACHE_STORES, getMeta, isCacheType, setMeta, type CivicDb } from './db'
import { BUSY, withLock } from './lock'
import {
  applyResults, getClientId, markUploaded, noteAttempt, pending, photoBlob, photosToUpload, renumberFrom,
} from './outbox'
import { parsePullResponse, parsePushResponse, type PullResponse } from './protocol'

export type SyncOutcome = 'ok' | 'busy' | 'failed' | 'auth'

export interface EngineOptions {
  db: CivicDb
  api: ApiClient
  random?: () => number
  batchSize?: number
  /** how often to pull (and retry) when everything went well */
  periodMs?: number
  maxPullPages?: number
}

export class StuckError extends Error {
  override name = 'StuckError'
}

export class SyncEngine {
  phase: SyncPhase = 'idle'
  failures = 0
  lastError: string | null = null
  nextAt: number | null = null
  lastSyncedAt: number | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private running: Promise<SyncOutcome> | null = null
  private rerun: Promise<SyncOutcome> | null = null
  private readonly random: () => number
  private readonly batchSize: number
  private readonly periodMs: number
  private readonly maxPullPages: number
  private stopped = false

  constructor(private readonly opts: EngineOptions) {
    this.random = opts.random ?? Math.random
    this.batchSize = opts.batchSize ?? 25
    this.periodMs = opts.periodMs ?? 60_000
    this.maxPullPages = opts.maxPullPages ?? 200
  }

  get db(): CivicDb {
    return this.opts.db
  }

  /** Runs one sync now (or joins the one running in this context). */
  syncNow(): Promise<SyncOutcome> {
    if (this.running) return this.running
    this.running = this.run().finally(() => {
      this.running = null
    })
    return this.running
  }

  /** A signal that the network is back or the user is here: forget the backoff, try now.
   *  If a cycle is already running it may be past its push (uploading photos, pulling), so what
   *  the user just queued would wait for the next timer, a minute away: run once more after it. */
  kick(): Promise<SyncOutcome> {
    this.failures = 0
    if (!this.running) return this.syncNow()
    this.rerun ??= this.running.then(() => {
      this.rerun = null
      return this.stopped ? 'ok' : this.syncNow()
    })
    return this.rerun
  }

  stop(): void {
    this.stopped = true
    this.clearTimer()
  }

  private async run(): Promise<SyncOutcome> {
    this.clearTimer()
    const result = await withLock('civicloop-sync', () => this.cycle(), { ifAvailable: true })
    if (result === BUSY) {
      // Another tab or the service worker is sending; look again shortly.
      this.schedule(5_000 + Math.round(this.random() * 5_000))
      return 'busy'
    }
    return result
  }

  private async cycle(): Promise<SyncOutcome> {
    this.setPhase('syncing')
    try {
      await this.push()
      await this.uploadPhotos()
      await this.pull()
      this.failures = 0
      this.lastError = null
      this.lastSyncedAt = Date.now()
      this.setPhase('idle')
      this.schedule(this.periodMs)
      return 'ok'
    } catch (err) {
      if (err instanceof AuthRequiredError) {
        this.lastError = err.message
        this.setPhase('auth') // no timer: signing in again restarts us
        return 'auth'
      }
      this.failures++
      this.lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      if (!isTransient(err)) console.error('sync failed', err)
      this.setPhase(err instanceof NetworkError ? 'offline' : 'error')
      this.schedule(backoffDelay(this.failures, this.random))
      return 'failed'
    }
  }

  private async push(): Promise<void> {
    const { db, api } = this.opts
    const clientId = await getClientId(db)
    for (;;) {
      const batch = (await pending(db)).slice(0, this.batchSize)
      if (batch.length === 0) return
      const ids = batch.map((m) => m.id)
      let reply
      try {
        reply = await api.json('POST', '/api/v1/sync/push', parsePushResponse, {
          json: { client_id: clientId, mutations: batch.map(({ id, name, args }) => ({ id, name, args })) },
        })
      } catch (err) {
        await noteAttempt(db, ids, err instanceof Error ? err.name : 'error')
        throw err
      }
      const { removed } = await applyResults(db, reply.results, reply.last_mutation_id)
      if (removed === 0 && reply.last_mutation_id + 1 < ids[0]!) {
        await renumberFrom(db, reply.last_mutation_id + 1)
        continue
      }
      if (removed === 0) {
        // The server took none of them (a gap before our first id): retrying the same batch
        // in a tight loop would not help; back off and say so.
        throw new StuckError(`push made no progress (server last_mutation_id=${reply.last_mutation_id}, first=${ids[0]})`)
      }
    }
  }

  private async uploadPhotos(): Promise<void> {
    const { db, api } = this.opts
    for (const photo of await photosToUpload(db)) {
      const path = `/api/v1/media/${photo.sha}`
      const head = await api.send('HEAD', path, { accept: [404] })
      if (!isOurServer(head)) throw new NotOursError('HEAD /media answered by someone else', head.status)
      if (head.status === 200) {
        await markUploaded(db, photo.sha)
        continue
      }
      const blob = await photoBlob(db, photo.sha)
      if (!blob) continue
      try {
        const res = await api.send('PUT', path, { body: blob, contentType: photo.type || 'image/jpeg' })
        if (!isOurServer(res)) throw new NotOursError('PUT /media answered by someone else', res.status)
      } catch (err) {
        if (err instanceof HttpError && (err.status === 422 || err.status === 413)) {
          // The server will never take these bytes: keep them, stop retrying, show it.
          await db.put('photos', { ...photo, state: 'held' })
          console.error(`photo ${photo.sha} refused: ${err.code}`)
          continue
        }
        throw err
      }
      await markUploaded(db, photo.sha)
    }
  }

  private async pull(): Promise<void> {
    const { db, api } = this.opts
    const clientId = await getClientId(db)
    const session = await getMeta(db, 'session')
    if (session && (await getMeta(db, 'cache_owner')) !== session.user.id) {
      await clearCache(db)
      await setMeta(db, 'cache_owner', session.user.id)
    }
    for (let page = 0; page < this.maxPullPages; page++) {
      const cursor = (await getMeta(db, 'cursor')) ?? ''
      const reply = await api.json('POST', '/api/v1/sync/pull', parsePullResponse, {
        json: { client_id: clientId, cursor },
      })
      if (reply.reset) {
        await clearCache(db)
        if (cursor !== '') continue // restart from the empty cursor
      }
      await applyPull(db, reply)
      if (!reply.has_more) return
    }
  }

  // ---- timers and triggers -------------------------------------------------------------------

  schedule(delayMs: number): void {
    if (this.stopped) return
    this.clearTimer()
    this.nextAt = Date.now() + delayMs
    this.timer = setTimeout(() => {
      this.timer = null
      void this.syncNow()
    }, delayMs)
    notify({ type: 'sync', state: this.phase, error: this.lastError ?? undefined, nextAt: this.nextAt })
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.nextAt = null
  }

  private setPhase(phase: SyncPhase): void {
    this.phase = phase
    notify({ type: 'sync', state: phase, error: this.lastError ?? undefined, nextAt: this.nextAt })
  }
}

export async function clearCache(db: CivicDb): Promise<void> {
  const tx = db.transaction([...CACHE_STORES, 'meta'], 'readwrite')
  for (const s of CACHE_STORES) await tx.objectStore(s).clear()
  await tx.objectStore('meta').delete('cursor')
  await tx.done
  notify({ type: 'cache' })
}

/** Applies one pull page and moves the cursor, in one transaction. */
export async function applyPull(db: CivicDb, reply: PullResponse, now: Date = new Date()): Promise<void> {
  const tx = db.transaction([...CACHE_STORES, 'meta'], 'readwrite')
  const at = now.toISOString()
  for (const c of reply.changes) {
    if (!isCacheType(c.type)) continue // a type this app version does not know yet
    const store = tx.objectStore(c.type)
    if (c.op === 'del') await store.delete(c.id)
    else await store.put({ id: c.id, data: c.data ?? {}, updated_at: at })
  }
  const meta = tx.objectStore('meta')
  await meta.put(reply.cursor, 'cursor')
  const known = ((await meta.get('server_last_mutation_id')) as number | undefined) ?? 0
  if (reply.last_mutation_id > known) await meta.put(reply.last_mutation_id, 'server_last_mutation_id')
  const next = ((await meta.get('next_mutation_id')) as number | undefined) ?? 1
  if (reply.last_mutation_id + 1 > next) await meta.put(reply.last_mutation_id + 1, 'next_mutation_id')
  await tx.done
  if (reply.changes.length) notify({ type: 'cache' })
}

// The outbox: mutations numbered 1, 2, 3… per install, and the photos they reference.
// Items leave it only when the server answered for them (applied, duplicate or rejected);
// rejected ones move to a list the user reads and dismisses. Nothing unsent is dropped.
import { getMeta, setMeta, type CivicDb, type OutboxItem, type PhotoRecord, type RejectedItem } from './db'
import type { MutationArgsMap, MutationName, MutationResult } from './protocol'
import { uuid4 } from '@/lib/uuid'
import { notify } from './bus'

export async function getClientId(db: CivicDb): Promise<string> {
  const tx = db.transaction('meta', 'readwrite')
  let id = (await tx.store.get('client_id')) as string | undefined
  if (!id) {
    id = uuid4()
    await tx.store.put(id, 'client_id')
  }
  await tx.done
  return id
}

export class OutboxNotEmptyError extends Error {
  override name = 'OutboxNotEmptyError'
}

/**
 * Ties the client id to the signed-in user. The server refuses one client id for two users, so a
 * different user on this phone gets a fresh client id and counter, but only once the outbox is
 * empty: unsent work belongs to the user who queued it.
 */
export async function bindClient(db: CivicDb, user: { id: string; username: string; phone: string | null }): Promise<void> {
  const tx = db.transaction(['meta', 'outbox'], 'readwrite')
  const meta = tx.objectStore('meta')
  const owner = (await meta.get('client_owner')) as { id: string } | undefined
  if (owner && owner.id !== user.id) {
    if ((await tx.objectStore('outbox').count()) > 0) {
      tx.abort()
      // Our own abort: its rejection is expected; anything else is not.
      await tx.done.catch((err: unknown) => {
        if (!(err instanceof DOMException && err.name === 'AbortError')) throw err
      })
      throw new OutboxNotEmptyError('unsent items belong to another user')
    }
    await meta.put(uuid4(), 'client_id')
    await meta.put(1, 'next_mutation_id')
    await meta.put(0, 'server_last_mutation_id')
  }
  await meta.put({ id: user.id, username: user.username, phone: user.phone }, 'client_owner')
  await tx.done
}

/** Queues a mutation; its id is allocated in the same transaction, so ids strictly increase. */
export async function enqueue<N extends MutationName>(db: CivicDb, name: N, args: MutationArgsMap[N],
  photos: string[] = [], now: Date = new Date()): Promise<OutboxItem> {
  const tx = db.transaction(['meta', 'outbox', 'photos'], 'readwrite')
  const meta = tx.objectStore('meta')
  const next = ((await meta.get('next_mutation_id')) as number | undefined) ?? 1
  const serverLast = ((await meta.get('server_last_mutation_id')) as number | undefined) ?? 0
  const id = Math.max(next, serverLast + 1)
  const item: OutboxItem = { id, name, args, photos, created_at: now.toISOString(), attempts: 0 }
  await tx.objectStore('outbox').add(item)
  await meta.put(id + 1, 'next_mutation_id')
  const store = tx.objectStore('photos')
  for (const sha of photos) {
    const p = await store.get(sha)
    if (p && p.state !== 'uploaded') await store.put({ ...p, state: 'queued' })
  }
  await tx.done
  notify({ type: 'outbox' })
  return item
}

export async function pending(db: CivicDb): Promise<OutboxItem[]> {
  return db.getAll('outbox') // keyPath id: IndexedDB returns them in ascending id order
}

export async function pendingCount(db: CivicDb): Promise<number> {
  return db.count('outbox')
}

export async function rejectedItems(db: CivicDb): Promise<RejectedItem[]> {
  return db.getAll('rejected')
}

/**
 * Applies the server's answers. Idempotent: an answer for an id no longer in the outbox (the
 * same reply seen twice) changes nothing.
 */
export async function applyResults(db: CivicDb, results: MutationResult[], serverLast: number,
  now: Date = new Date()): Promise<{ removed: number; rejected: number }> {
  const tx = db.transaction(['outbox', 'rejected', 'meta', 'photos'], 'readwrite')
  const outbox = tx.objectStore('outbox')
  let removed = 0
  let rejected = 0
  for (const r of results) {
    const item = await outbox.get(r.id)
    if (!item) continue
    if (r.status === 'rejected') {
      const error = r.error ?? { code: 'rejected', message: 'rejected' }
      await tx.objectStore('rejected').put({ id: item.id, name: item.name, args: item.args, photos: item.photos,
        created_at: item.created_at, error, rejected_at: now.toISOString() })
      const photos = tx.objectStore('photos')
      for (const sha of item.photos) {
        const p = await photos.get(sha)
        if (p && p.state === 'queued') await photos.put({ ...p, state: 'held' })
      }
      rejected++
    }
    await outbox.delete(r.id)
    removed++
  }
  const meta = tx.objectStore('meta')
  const known = ((await meta.get('server_last_mutation_id')) as number | undefined) ?? 0
  if (serverLast > known) await meta.put(serverLast, 'server_last_mutation_id')
  const next = ((await meta.get('next_mutation_id')) as number | undefined) ?? 1
  if (serverLast + 1 > next) await meta.put(serverLast + 1, 'next_mutation_id')
  await tx.done
  if (removed) notify({ type: 'outbox' })
  return { removed, rejected }
}

/**
 * The server expects `expectedId` but our first unsent mutation has a higher id (its record of
 * this client was restored from an older backup). It never saw our unsent ids, so renumber
 * them, in order, from `expectedId`: the phone must never get stuck.
 */
export async function renumberFrom(db: CivicDb, expectedId: number): Promise<number> {
  const tx = db.transaction('outbox', 'readwrite')
  const items = await tx.store.getAll()
  if (items.length === 0 || items[0]!.id <= expectedId) {
    await tx.done
    return 0
  }
  for (const item of items) await tx.store.delete(item.id)
  let id = expectedId
  for (const item of items) await tx.store.add({ ...item, id: id++ })
  await tx.done
  notify({ type: 'outbox' })
  return items.length
}

export async function noteAttempt(db: CivicDb, ids: number[], error: string): Promise<void> {
  const tx = db.transaction('outbox', 'readwrite')
  for (const id of ids) {
    const item = await tx.store.get(id)
    if (item) await tx.store.put({ ...item, attempts: item.attempts + 1, last_error: error })
  }
  await tx.done
}

/** The user read a rejection and lets it go (its photos go with it unless something else uses them). */
export async function dismissRejected(db: CivicDb, id: number): Promise<void> {
  const tx = db.transaction(['rejected', 'outbox', 'photos'], 'readwrite')
  const item = await tx.objectStore('rejected').get(id)
  if (item) {
    await tx.objectStore('rejected').delete(id)
    const stillUsed = new Set((await tx.objectStore('outbox').getAll()).flatMap((o) => o.photos))
    for (const sha of item.photos) {
      const p = await tx.objectStore('photos').get(sha)
      if (p && p.state === 'held' && !stillUsed.has(sha)) await tx.objectStore('photos').delete(sha)
    }
  }
  await tx.done
  notify({ type: 'outbox' })
}

// ---- photos --------------------------------------------------------------------------------

export async function savePhoto(db: CivicDb, record: Omit<PhotoRecord, 'state' | 'created_at'>,
  now: Date = new Date()): Promise<PhotoRecord> {
  const existing = await db.get('photos', record.sha)
  if (existing) return existing
  const full: PhotoRecord = { ...record, state: 'draft', created_at: now.toISOString() }
  try {
    await db.put('photos', full)
  } catch (err) {
    // Some WebKit builds cannot store Blobs in IndexedDB: keep the bytes as an ArrayBuffer.
    if (!record.blob) throw err
    const buffer = await record.blob.arrayBuffer()
    const { blob: _omit, ...rest } = full
    void _omit
    await db.put('photos', { ...rest, buffer })
    return { ...rest, buffer }
  }
  return full
}

export async function photoBlob(db: CivicDb, sha: string): Promise<Blob | null> {
  const p = await db.get('photos', sha)
  if (!p) return null
  if (p.blob) return p.blob
  if (p.buffer) return new Blob([p.buffer], { type: p.type })
  return null
}

export async function photosToUpload(db: CivicDb): Promise<PhotoRecord[]> {
  return db.getAllFromIndex('photos', 'state', 'queued')
}

export async function markUploaded(db: CivicDb, sha: string, now: Date = new Date()): Promise<void> {
  const tx = db.transaction('photos', 'readwrite')
  const p = await tx.store.get(sha)
  if (p) await tx.store.put({ ...p, state: 'uploaded', uploaded_at: now.toISOString() })
  await tx.done
}

export async function queuedPhotoCount(db: CivicDb): Promise<number> {
  return db.countFromIndex('photos', 'state', 'queued')
}

/** Uploaded photos are on the server: local copies older than `days` may go. Never anything else. */
export async function pruneUploadedPhotos(db: CivicDb, days = 7, now: Date = new Date()): Promise<number> {
  const limit = now.getTime() - days * 86_400_000
  const tx = db.transaction(['photos', 'outbox', 'rejected'], 'readwrite')
  const used = new Set([
    ...(await tx.objectStore('outbox').getAll()).flatMap((o) => o.photos),
    ...(await tx.objectStore('rejected').getAll()).flatMap((o) => o.photos),
  ])
  let n = 0
  for (const p of await tx.objectStore('photos').index('state').getAll('uploaded')) {
    if (!used.has(p.sha) && p.uploaded_at && Date.parse(p.uploaded_at) < limit) {
      await tx.objectStore('photos').delete(p.sha)
      n++
    }
  }
  await tx.done
  return n
}

export async function getMetaNumber(db: CivicDb, key: 'next_mutation_id' | 'server_last_mutation_id'): Promise<number> {
  return (await getMeta(db, key)) ?? (key === 'next_mutation_id' ? 1 : 0)
}

export async function rememberCategory(db: CivicDb, code: string): Promise<void> {
  const recent = (await getMeta(db, 'recent_categories')) ?? []
  await setMeta(db, 'recent_categories', [code, ...recent.filter((c) => c !== code)].slice(0, 8))
}

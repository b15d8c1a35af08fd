// The one IndexedDB database of the app: the outbox (mutations + photo blobs), the rejected list,
// the session, and the pulled cache. A new app version never deletes anything in here.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { ReportDraft } from '@/sync/draft'
import type { Change, ChangeType, Mutation, MutationError } from './protocol'

export interface OutboxItem extends Mutation {
  created_at: string
  /** photo hashes this mutation references (uploaded after the mutation's text) */
  photos: string[]
  attempts: number
  last_error?: string
}

export interface RejectedItem extends Mutation {
  created_at: string
  photos: string[]
  error: MutationError
  rejected_at: string
}

export type PhotoState = 'draft' | 'queued' | 'uploaded' | 'held'

export interface PhotoRecord {
  sha: string
  /** the compressed JPEG; `buffer` is the fallback where a Blob cannot be stored */
  blob?: Blob
  buffer?: ArrayBuffer
  type: string
  size: number
  width: number
  height: number
  created_at: string
  state: PhotoState
  uploaded_at?: string
}

export interface CachedEntity {
  id: string
  data: Record<string, unknown>
  updated_at: string
}

export interface Session {
  access_token: string
  refresh_token: string
  /** epoch ms */
  access_expires_at: number
  refresh_expires_at: number
  user: SessionUser
  /** set when refresh failed for good: the outbox waits until the user signs in again */
  expired?: boolean
}

export interface SessionUser {
  id: string
  username: string
  name: string
  phone: string | null
  roles: string[]
  unit_id: string | null
  unit_code?: string | null
  unit_name?: string | null
  grid_codes?: string[]
}

export interface MetaValues {
  client_id: string
  next_mutation_id: number
  cursor: string
  session: Session
  cache_owner: string
  recent_categories: string[]
  server_last_mutation_id: number
  /** the server binds a client id to one user: whose this install's client id is */
  client_owner: { id: string; username: string; phone: string | null }
  /** the report form as last left (sync/draft.ts) */
  report_draft: ReportDraft
}
export type MetaKey = keyof MetaValues

export const CACHE_STORES = ['report', 'ticket', 'category', 'area'] as const satisfies readonly ChangeType[]

export interface CivicSchema extends DBSchema {
  meta: { key: string; value: unknown }
  outbox: { key: number; value: OutboxItem }
  rejected: { key: number; value: RejectedItem }
  photos: { key: string; value: PhotoRecord; indexes: { state: string } }
  report: { key: string; value: CachedEntity }
  ticket: { key: string; value: CachedEntity }
  category: { key: string; value: CachedEntity }
  area: { key: string; value: CachedEntity }
}

export type CivicDb = IDBPDatabase<CivicSchema>

export const DB_NAME = 'civicloop'

export function openCivicDb(name: string = DB_NAME): Promise<CivicDb> {
  return openDB<CivicSchema>(name, 1, {
    upgrade(db) {
      db.createObjectStore('meta')
      db.createObjectStore('outbox', { keyPath: 'id' })
      db.createObjectStore('rejected', { keyPath: 'id' })
      const photos = db.createObjectStore('photos', { keyPath: 'sha' })
      photos.createIndex('state', 'state')
      for (const store of CACHE_STORES) db.createObjectStore(store, { keyPath: 'id' })
    },
  })
}

export async function getMeta<K extends MetaKey>(db: CivicDb, key: K): Promise<MetaValues[K] | undefined> {
  return (await db.get('meta', key)) as MetaValues[K] | undefined
}

export async function setMeta<K extends MetaKey>(db: CivicDb, key: K, value: MetaValues[K]): Promise<void> {
  await db.put('meta', value, key)
}

export async function deleteMeta(db: CivicDb, key: MetaKey): Promise<void> {
  await db.delete('meta', key)
}

export function isCacheType(type: string): type is ChangeType {
  return (CACHE_STORES as readonly string[]).includes(type)
}

export type { Change }

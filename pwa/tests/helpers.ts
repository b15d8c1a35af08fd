import { ApiClient } from '@/api/http'
import { SessionStore } from '@/api/session'
import { openCivicDb, type CivicDb } from '@/sync/db'
import { SyncEngine } from '@/sync/engine'
import { FakeServer, tokenPair } from './fakeServer'

let seq = 0

export interface Rig {
  db: CivicDb
  server: FakeServer
  sessions: SessionStore
  api: ApiClient
  engine: SyncEngine
}

/** A fresh database (its own name), a fake server, a signed-in session, and an engine. */
export async function rig(opts: { signedIn?: boolean; random?: () => number } = {}): Promise<Rig> {
  const db = await openCivicDb(`test-${Date.now()}-${seq++}`)
  const server = new FakeServer()
  const sessions = new SessionStore(db, server.fetch, 'http://phone.test')
  if (opts.signedIn ?? true) await sessions.save(tokenPair('A1', 'R1'))
  const api = new ApiClient(sessions, server.fetch, 'http://phone.test')
  const engine = new SyncEngine({ db, api, random: opts.random ?? (() => 0.5) })
  return { db, server, sessions, api, engine }
}

export function reportArgs(n: number, photos: string[] = []) {
  return {
    report_id: `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    category_code: '09009', lat: 30.1, lon: 120.2, accuracy_m: 8,
    captured_at: '2026-11-22T11:00:00.000+08:00', description: `#${n}`,
    photos, fixed_on_spot: false, after_photos: [],
  }
}

export const SHA_A = 'a'.repeat(64)
export const SHA_B = 'b'.repeat(64)

// The app's long-lived services, created once per page (the service worker makes its own).
import { ApiClient } from '@/api/http'
import { SessionStore } from '@/api/session'
import { openCivicDb, type CivicDb } from '@/sync/db'
import { SyncEngine } from '@/sync/engine'

export interface AppContext {
  db: CivicDb
  sessions: SessionStore
  api: ApiClient
  engine: SyncEngine
}

let ctx: Promise<AppContext> | null = null

export function createContext(db: CivicDb): AppContext {
  const sessions = new SessionStore(db)
  const api = new ApiClient(sessions)
  const engine = new SyncEngine({ db, api })
  return { db, sessions, api, engine }
}

export function useContext(): Promise<AppContext> {
  ctx ??= openCivicDb().then(createContext)
  return ctx
}

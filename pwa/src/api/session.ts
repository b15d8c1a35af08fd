// The signed-in session lives in IndexedDB (the service worker's Background Sync needs it too).
// Refresh tokens rotate and are single-use, so refreshing happens under a Web Lock and re-reads
// the stored session first: another tab may already have rotated it.
import type { components } from './schema'
import { AuthRequiredError, HttpError, NetworkError } from './errors'
import { errorFrom, parseOurs, type FetchFn } from './http'
import { deleteMeta, getMeta, setMeta, type CivicDb, type Session, type SessionUser } from '@/sync/db'
import { withLock } from '@/sync/lock'
import { notify } from '@/sync/bus'

export type TokenPair = components['schemas']['TokenPair']
export type LoginRequest = components['schemas']['LoginRequest']

/** Refresh this long before the access token expires. */
const EARLY_MS = 60_000

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function parseTokenPair(v: unknown): TokenPair | null {
  if (!isRecord(v) || typeof v.access_token !== 'string' || typeof v.refresh_token !== 'string') return null
  if (typeof v.expires_in !== 'number' || !isRecord(v.user) || typeof v.user.id !== 'string') return null
  return v as unknown as TokenPair
}

export class SessionStore {
  constructor(private readonly db: CivicDb, private readonly fetchFn: FetchFn = (i, init) => fetch(i, init),
    private readonly baseUrl = '', private readonly now: () => number = () => Date.now()) {}

  current(): Promise<Session | undefined> {
    return getMeta(this.db, 'session')
  }

  async save(pair: TokenPair): Promise<Session> {
    const now = this.now()
    const user: SessionUser = {
      id: pair.user.id, username: pair.user.username, name: pair.user.name, phone: pair.user.phone ?? null,
      roles: pair.user.roles, unit_id: pair.user.unit_id ?? null, unit_code: pair.user.unit_code ?? null,
      unit_name: pair.user.unit_name ?? null, grid_codes: pair.user.grid_codes ?? [],
    }
    const session: Session = {
      access_token: pair.access_token,
      refresh_token: pair.refresh_token,
      access_expires_at: now + pair.expires_in * 1000,
      refresh_expires_at: now + (pair.refresh_expires_in ?? 0) * 1000,
      user,
    }
    await setMeta(this.db, 'session', session)
    notify({ type: 'session' })
    return session
  }

  async login(body: LoginRequest): Promise<Session> {
    const pair = await this.post('/api/v1/auth/login', body)
    return this.save(pair)
  }

  /** A usable access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    const s = await this.current()
    if (!s || s.expired) throw new AuthRequiredError('not signed in')
    if (s.access_expires_at - EARLY_MS > this.now()) return s.access_token
    return this.refresh(s.access_token)
  }

  /** Rotates the tokens unless someone else already did since `usedToken` was read. */
  async refresh(usedToken: string): Promise<string> {
    const token = await withLock('civicloop-auth', async () => {
      const s = await this.current()
      if (!s || s.expired) throw new AuthRequiredError('not signed in')
      if (s.access_token !== usedToken && s.access_expires_at - EARLY_MS > this.now()) return s.access_token
      let pair: TokenPair
      try {
        pair = await this.post('/api/v1/auth/refresh', { refresh_token: s.refresh_token })
      } catch (err) {
        if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
          await this.markExpired()
          throw new AuthRequiredError(err.message)
        }
        throw err
      }
      return (await this.save(pair)).access_token
    })
    if (typeof token !== 'string') throw new AuthRequiredError('refresh lock unavailable')
    return token
  }

  async markExpired(): Promise<void> {
    const s = await this.current()
    if (s && !s.expired) {
      await setMeta(this.db, 'session', { ...s, expired: true })
      notify({ type: 'session' })
    }
  }

  /** Signs out on the server when possible; the outbox and cache stay. */
  async logout(): Promise<void> {
    const s = await this.current()
    if (s && !s.expired) {
      try {
        await this.fetchFn(this.baseUrl + '/api/v1/auth/logout', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${s.access_token}` },
          body: JSON.stringify({ refresh_token: s.refresh_token }),
        })
      } catch (err) {
        // Offline sign-out still ends the session here; the refresh token expires on its own.
        console.warn('logout request failed', err)
      }
    }
    await deleteMeta(this.db, 'session')
    notify({ type: 'session' })
  }

  private async post(path: string, body: unknown): Promise<TokenPair> {
    let res: Response
    try {
      res = await this.fetchFn(this.baseUrl + path, {
        method: 'POST', cache: 'no-store', credentials: 'omit',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
      })
    } catch (err) {
      throw new NetworkError(`POST ${path}: ${String(err)}`)
    }
    if (!res.ok) throw await errorFrom(res)
    return parseOurs(res, parseTokenPair)
  }
}

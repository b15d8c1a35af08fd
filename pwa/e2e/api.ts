// The test's own view of the server, through its public API (no shortcuts into the database).
import { createHash } from 'node:crypto'

export interface Tokens {
  access_token: string
}

export class Api {
  constructor(readonly baseUrl: string, private token = '') {}

  static async login(baseUrl: string, username: string, password = 'Demo@2026'): Promise<Api> {
    const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
    })
    if (!res.ok) throw new Error(`login ${username}: HTTP ${res.status} ${await res.text()}`)
    const body = (await res.json()) as Tokens
    return new Api(baseUrl, body.access_token)
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: { authorization: `Bearer ${this.token}` } })
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }

  /** Signs this user out everywhere: every refresh token of the account is revoked. */
  async logoutEverywhere(): Promise<void> {
    const res = await fetch(`${this.baseUrl}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${this.token}` } })
    if (res.status !== 204) throw new Error(`logout: HTTP ${res.status} ${await res.text()}`)
  }

  /** Uploads a photo by its hash, as the phone does; returns the hash. */
  async putMedia(bytes: Buffer): Promise<string> {
    const sha = createHash('sha256').update(bytes).digest('hex')
    const res = await fetch(`${this.baseUrl}/api/v1/media/${sha}`, {
      method: 'PUT', headers: { authorization: `Bearer ${this.token}`, 'content-type': 'image/jpeg' }, body: new Uint8Array(bytes),
    })
    if (res.status !== 201 && res.status !== 200) throw new Error(`PUT media: HTTP ${res.status} ${await res.text()}`)
    return sha
  }
}

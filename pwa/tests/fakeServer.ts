// A small in-memory stand-in for the DESIGN §6 server, for unit tests of the phone side only
// (the browser test in e2e/ runs against the real backend).
import type { Change, Mutation, MutationResult } from '@/sync/protocol'

export interface FakeServerOptions {
  accessTtl?: number
}

type Req = { method: string; path: string; headers: Record<string, string>; body: unknown; raw: BodyInit | null | undefined }
/** An interceptor answers instead of the server, or returns null to let the server answer. */
type Handler = (req: Req) => Response | null | Promise<Response | null>

export function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status, headers: { 'content-type': 'application/json', 'x-request-id': 'r1', ...extra },
  })
}

export class FakeServer {
  lastMutationId = new Map<string, number>()
  applied: Mutation[] = []
  pushBodies: Array<{ client_id: string; mutations: Mutation[] }> = []
  media = new Map<string, number>()
  changes: Change[] = []
  refreshCount = 0
  validAccess = new Set<string>(['A1'])
  validRefresh = new Set<string>(['R1'])
  rejectIf: (m: Mutation) => { code: string; message: string } | null = () => null
  /** when set, the next requests are answered by this instead (captive portal, outage) */
  intercept: Handler | null = null
  calls: string[] = []
  private tokenSeq = 1

  fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const method = (init.method ?? 'GET').toUpperCase()
    const url = new URL(input, 'http://phone.test')
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]))
    const raw = init.body
    const body = typeof raw === 'string' ? JSON.parse(raw) : null
    this.calls.push(`${method} ${url.pathname}`)
    const req = { method, path: url.pathname, headers, body, raw }
    if (this.intercept) {
      const res = await this.intercept(req)
      if (res) return res
    }
    return this.handle(req)
  }

  private authed(headers: Record<string, string>): boolean {
    const t = (headers.authorization ?? '').replace(/^Bearer /, '')
    return this.validAccess.has(t)
  }

  private unauthorized(): Response {
    return json(401, { error: { code: 'token_expired', message: 'expired', details: {} } })
  }

  async handle({ method, path, headers, body, raw }: Req): Promise<Response> {
    if (path === '/api/v1/auth/refresh') {
      const rt = (body as { refresh_token: string }).refresh_token
      if (!this.validRefresh.delete(rt)) return json(401, { error: { code: 'token_revoked', message: 'revoked', details: {} } })
      this.refreshCount++
      const n = ++this.tokenSeq
      this.validAccess.add(`A${n}`)
      this.validRefresh.add(`R${n}`)
      return json(200, tokenPair(`A${n}`, `R${n}`))
    }
    if (path === '/api/v1/auth/login') {
      const n = ++this.tokenSeq
      this.validAccess.add(`A${n}`)
      this.validRefresh.add(`R${n}`)
      return json(200, tokenPair(`A${n}`, `R${n}`))
    }
    if (!this.authed(headers)) return this.unauthorized()
    if (path === '/api/v1/sync/push') {
      const req = body as { client_id: string; mutations: Mutation[] }
      this.pushBodies.push(structuredClone(req))
      let last = this.lastMutationId.get(req.client_id) ?? 0
      const results: MutationResult[] = []
      for (const m of req.mutations) {
        if (m.id <= last) {
          results.push({ id: m.id, status: 'duplicate', error: null })
          continue
        }
        if (m.id !== last + 1) break // a gap stops the batch
        const why = this.rejectIf(m)
        if (why) results.push({ id: m.id, status: 'rejected', error: why })
        else {
          this.applied.push(m)
          results.push({ id: m.id, status: 'applied', error: null })
        }
        last = m.id
      }
      this.lastMutationId.set(req.client_id, last)
      return json(200, { last_mutation_id: last, results })
    }
    if (path === '/api/v1/sync/pull') {
      const req = body as { client_id: string; cursor: string }
      const from = req.cursor === '' ? 0 : Number(req.cursor)
      const page = this.changes.slice(from, from + 2)
      return json(200, {
        cursor: String(from + page.length), last_mutation_id: this.lastMutationId.get(req.client_id) ?? 0,
        changes: page, has_more: from + page.length < this.changes.length, reset: false,
      })
    }
    const m = /^\/api\/v1\/media\/([0-9a-f]{64})$/.exec(path)
    if (m) {
      const sha = m[1]!
      if (method === 'HEAD') return new Response(null, { status: this.media.has(sha) ? 200 : 404, headers: { 'x-request-id': 'r' } })
      if (method === 'PUT') {
        const bytes = raw instanceof Blob ? raw.size : 0
        const created = !this.media.has(sha)
        this.media.set(sha, bytes)
        return json(created ? 201 : 200, { sha256: sha, stored: true })
      }
    }
    return json(404, { error: { code: 'not_found', message: path, details: {} } })
  }
}

export function tokenPair(access: string, refresh: string) {
  return {
    access_token: access, refresh_token: refresh, token_type: 'bearer', expires_in: 1800, refresh_expires_in: 86400 * 14,
    user: { id: 'u-1', username: 'grid01', name: '网格员一', phone: null, roles: ['grid_worker'], unit_id: null, grid_codes: [] },
  }
}

export function captivePortal(): Response {
  return new Response('<html><body>Welcome to Free WiFi — please log in</body></html>', {
    status: 200, headers: { 'content-type': 'text/html; charset=utf-8' },
  })
}

// The one HTTP path to our server: bearer token, refresh-and-retry on 401, and a strict check
// that a reply is ours (JSON with our shape, or at least our x-request-id header).
import { AuthRequiredError, HttpError, NetworkError, NotOursError } from './errors'
export { errorFrom }
import type { SessionStore } from './session'

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>

export interface RequestOptions {
  json?: unknown
  body?: BodyInit
  contentType?: string
  auth?: boolean
  signal?: AbortSignal
  /** statuses handed back as they are instead of thrown (e.g. 404 for HEAD /media) */
  accept?: number[]
  /** extra request headers (e.g. If-None-Match) */
  headers?: Record<string, string>
}

const JSON_TYPE = /^application\/(.+\+)?json\b/i

export function isJsonResponse(res: Response): boolean {
  return JSON_TYPE.test(res.headers.get('content-type') ?? '')
}

/** Every answer from our FastAPI app carries x-request-id; a portal or proxy page does not. */
export function isOurServer(res: Response): boolean {
  return res.headers.has('x-request-id')
}

async function errorFrom(res: Response): Promise<HttpError | NotOursError> {
  if (!isJsonResponse(res)) return new NotOursError(`HTTP ${res.status} without our JSON`, res.status)
  let body: unknown
  try {
    body = await res.json()
  } catch (err) {
    return new NotOursError(`HTTP ${res.status}: unreadable JSON (${String(err)})`, res.status)
  }
  const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error
  if (!e || typeof e.code !== 'string') return new NotOursError(`HTTP ${res.status} without our error envelope`, res.status)
  const details = typeof e.details === 'object' && e.details !== null ? e.details as Record<string, unknown> : {}
  return new HttpError(res.status, e.code, typeof e.message === 'string' ? e.message : e.code, details)
}

export class ApiClient {
  constructor(readonly sessions: SessionStore, private readonly fetchFn: FetchFn = (i, init) => fetch(i, init),
    readonly baseUrl = '') {}

  /** Sends a request; 2xx/3xx responses come back as they are, errors are thrown typed. */
  async send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const auth = opts.auth ?? true
    let token = auth ? await this.sessions.accessToken() : null
    let res = await this.raw(method, path, opts, token)
    if (res.status === 401 && auth && token !== null && isOurServer(res)) {
      token = await this.sessions.refresh(token)
      res = await this.raw(method, path, opts, token)
      if (res.status === 401 && isOurServer(res)) {
        await this.sessions.markExpired()
        throw new AuthRequiredError('the server refused a fresh token')
      }
    }
    if (!res.ok && !(opts.accept ?? []).includes(res.status)) throw await errorFrom(res)
    return res
  }

  /** A JSON request whose reply must parse into the expected shape (else NotOursError). */
  async json<T>(method: string, path: string, parse: (v: unknown) => T | null, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, opts)
    return parseOurs(res, parse)
  }

  private async raw(method: string, path: string, opts: RequestOptions, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers }
    let body = opts.body
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(opts.json)
    } else if (opts.contentType) {
      headers['Content-Type'] = opts.contentType
    }
    if (token) headers.Authorization = `Bearer ${token}`
    try {
      return await this.fetchFn(this.baseUrl + path, { method, headers, body, signal: opts.signal, cache: 'no-store', credentials: 'omit' })
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err
      throw new NetworkError(`${method} ${path}: ${String(err)}`)
    }
  }
}

export async function parseOurs<T>(res: Response, parse: (v: unknown) => T | null): Promise<T> {
  if (!isJsonResponse(res)) throw new NotOursError(`HTTP ${res.status} ${res.headers.get('content-type') ?? 'no content-type'}`, res.status)
  let body: unknown
  try {
    body = await res.json()
  } catch (err) {
    throw new NotOursError(`unreadable JSON: ${String(err)}`, res.status)
  }
  const parsed = parse(body)
  if (parsed === null) throw new NotOursError('JSON of an unexpected shape', res.status)
  return parsed
}

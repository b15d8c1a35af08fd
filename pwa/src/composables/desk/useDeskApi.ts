// The desk's calls to the server, through the app's one ApiClient (bearer, refresh, envelope checks).
import { useContext } from '@/app/context'
import { HttpError } from '@/api/errors'
import { parse, type Area, type Category, type ClientConfig, type TicketDetail, type Unit } from './types'

export async function getJson<T>(path: string, parser: (v: unknown) => T | null): Promise<T> {
  const { api } = await useContext()
  return api.json('GET', path, parser)
}

export async function getTicket(id: string): Promise<TicketDetail> {
  return getJson(`/api/v1/tickets/${encodeURIComponent(id)}`, parse.detail)
}

export async function postAction(id: string, action: string, baseVersion: number | null,
  payload: Record<string, unknown> = {}): Promise<TicketDetail> {
  const { api } = await useContext()
  return api.json('POST', `/api/v1/tickets/${encodeURIComponent(id)}/actions/${action}`, parse.detail,
    { json: { base_version: baseVersion, ...payload } })
}

/** Every page of a cursor-paged list (small reference lists: units, grids). */
async function allPages<T>(path: string): Promise<T[]> {
  const out: T[] = []
  let cursor: string | null = null
  for (let i = 0; i < 50; i++) {
    const sep = path.includes('?') ? '&' : '?'
    const page: { items: T[]; next_cursor: string | null } =
      await getJson(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path, parse.items<T>)
    out.push(...page.items)
    cursor = page.next_cursor
    if (!cursor) break
  }
  return out
}

// Reference data changes rarely: one fetch per page load.
let units: Promise<Unit[]> | null = null
let categories: Promise<Category[]> | null = null
let grids: Promise<Area[]> | null = null
let config: Promise<ClientConfig> | null = null

function once<T>(p: Promise<T>, reset: () => void): Promise<T> {
  p.catch(reset)
  return p
}

export function listUnits(): Promise<Unit[]> {
  units ??= once(allPages<Unit>('/api/v1/units?active=true&limit=100'), () => (units = null))
  return units
}

export function listCategories(): Promise<Category[]> {
  categories ??= once(allPages<Category>('/api/v1/categories?limit=100'), () => (categories = null))
  return categories
}

export function listGrids(): Promise<Area[]> {
  grids ??= once(allPages<Area>('/api/v1/areas?level=grid&geometry=true&limit=100'), () => (grids = null))
  return grids
}

export function clientConfig(): Promise<ClientConfig> {
  config ??= once(getJson('/api/v1/config', parse.config), () => (config = null))
  return config
}

/** A stale base_version (409 stale_version) or an action the state no longer allows. */
export function isConflict(err: unknown): boolean {
  return err instanceof HttpError && err.status === 409
}

export function isNotFound(err: unknown): boolean {
  return err instanceof HttpError && (err.status === 404 || err.status === 403)
}

/** Downloads a file that needs the bearer header (an <a href> cannot send it). */
export async function downloadWithToken(path: string, filename: string): Promise<void> {
  const { api } = await useContext()
  const res = await api.send('GET', path, { headers: { Accept: 'text/csv' } })
  const blob = await res.blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

// Pulled records, read defensively: DESIGN §6 fixes only a minimum of fields, the server may send
// more, and an old cache may hold less. Everything the screens use goes through here.

type Data = Record<string, unknown>

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null)
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v ? v.split(/[,，\s]+/).filter(Boolean) : [])
const first = (d: Data, ...keys: string[]): unknown => keys.map((k) => d[k]).find((v) => v !== undefined && v !== null)

export interface Category {
  code: string
  name: string
  nameEn: string | null
  hint: string | null
  common: boolean
  sortOrder: number
  group: string
  groupName: string | null
  keywords: string[]
  icon: string | null
  active: boolean
}

export function toCategory(id: string, d: Data): Category {
  const code = str(d.code) ?? id
  return {
    code,
    name: str(d.name) ?? code,
    nameEn: str(d.name_en),
    hint: str(d.hint),
    common: d.common === true,
    sortOrder: num(d.sort_order) ?? 0,
    group: str(first(d, 'group_code', 'group'))?.slice(0, 2) ?? code.slice(0, 2),
    groupName: str(first(d, 'group_name')),
    keywords: [...strs(d.keywords), ...strs(d.aliases)],
    icon: str(d.icon),
    active: d.active !== false,
  }
}

/** The category's name in the UI language (Chinese unless English is chosen and known). */
export function categoryName(c: Category | undefined, locale: string, fallback = ''): string {
  if (!c) return fallback
  return locale === 'en' && c.nameEn ? c.nameEn : c.name
}

export type Geometry =
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] }

export interface Area {
  id: string
  code: string
  name: string
  level: string
  parent: string | null
  geometry: Geometry | null
}

function asGeometry(v: unknown): Geometry | null {
  if (typeof v === 'string') {
    try {
      return asGeometry(JSON.parse(v))
    } catch (err) {
      console.warn('unreadable area geometry', err)
      return null
    }
  }
  if (typeof v !== 'object' || v === null) return null
  const g = v as { type?: unknown; coordinates?: unknown; geometry?: unknown }
  if (g.type === 'Feature') return asGeometry(g.geometry)
  if ((g.type === 'Polygon' || g.type === 'MultiPolygon') && Array.isArray(g.coordinates)) return g as Geometry
  return null
}

export function toArea(id: string, d: Data): Area {
  return {
    id,
    code: str(d.code) ?? id,
    name: str(d.name) ?? '',
    level: str(d.level) ?? '',
    parent: str(first(d, 'parent', 'parent_code')),
    geometry: asGeometry(first(d, 'geometry', 'geojson', 'boundary', 'polygon')),
  }
}

export interface TimelineEntry {
  action: string
  at: string | null
  actor: string | null
  role: string | null
  note: string | null
}

function toTimeline(v: unknown): TimelineEntry[] {
  if (!Array.isArray(v)) return []
  return v.filter((e): e is Data => typeof e === 'object' && e !== null).map((e) => ({
    action: str(first(e, 'action', 'type', 'kind')) ?? 'note',
    at: str(first(e, 'at', 'created_at', 'time')),
    actor: str(first(e, 'actor_name', 'actor')),
    role: str(first(e, 'actor_role', 'role')),
    note: str(first(e, 'note', 'reason', 'comment')),
  }))
}

export interface ReportRecord {
  id: string
  ticketId: string | null
  categoryCode: string
  status: string
  capturedAt: string | null
  description: string
  photos: string[]
  afterPhotos: string[]
  lat: number | null
  lon: number | null
  accuracy: number | null
  fixedOnSpot: boolean
  unitName: string | null
  dueAt: string | null
  timeline: TimelineEntry[]
}

export function toReport(id: string, d: Data): ReportRecord {
  return {
    id,
    ticketId: str(d.ticket_id),
    categoryCode: str(d.category_code) ?? '',
    status: str(first(d, 'status', 'ticket_status')) ?? 'reported',
    capturedAt: str(first(d, 'captured_at', 'created_at')),
    description: str(d.description) ?? '',
    photos: strs(d.photos),
    afterPhotos: strs(d.after_photos),
    lat: num(d.lat),
    lon: num(d.lon),
    accuracy: num(d.accuracy_m),
    fixedOnSpot: d.fixed_on_spot === true,
    unitName: str(first(d, 'unit_name', 'unit_code')),
    dueAt: str(d.due_at),
    timeline: toTimeline(first(d, 'timeline', 'events')),
  }
}

/** Milestones the ticket carries as timestamps, when the server sends no event list. */
const MILESTONES: Array<[string, string]> = [
  ['reported_at', 'report'], ['filed_at', 'file'], ['dispatched_at', 'dispatch'], ['signed_at', 'sign'],
  ['handled_at', 'handle'], ['closed_at', 'close'],
]

function milestoneTimeline(d: Data): TimelineEntry[] {
  const out: TimelineEntry[] = []
  for (const [key, action] of MILESTONES) {
    const at = str(d[key])
    if (at) out.push({ action, at, actor: null, role: null, note: null })
  }
  return out.sort((a, b) => Date.parse(a.at ?? '') - Date.parse(b.at ?? ''))
}

export interface Ticket {
  id: string
  status: string
  version: number
  categoryCode: string
  unitCode: string | null
  unitName: string | null
  dueAt: string | null
  handledAt: string | null
  reportIds: string[]
  lat: number | null
  lon: number | null
  gridCode: string | null
  photos: string[]
  afterPhotos: string[]
  handleNote: string | null
  description: string
  timeline: TimelineEntry[]
}

export function toTicket(id: string, d: Data): Ticket {
  return {
    id,
    status: str(d.status) ?? 'unknown',
    version: num(d.version) ?? 0,
    categoryCode: str(d.category_code) ?? '',
    unitCode: str(d.unit_code),
    unitName: str(d.unit_name),
    dueAt: str(d.due_at),
    handledAt: str(d.handled_at),
    reportIds: strs(d.report_ids),
    lat: num(d.lat),
    lon: num(d.lon),
    gridCode: str(first(d, 'grid_code', 'grid')),
    photos: strs(first(d, 'photos', 'report_photos')),
    afterPhotos: strs(first(d, 'handle_photos', 'after_photos', 'handled_photos')),
    handleNote: str(first(d, 'handle_note', 'note')),
    description: str(d.description) ?? '',
    timeline: toTimeline(first(d, 'timeline', 'events')).length ? toTimeline(first(d, 'timeline', 'events')) : milestoneTimeline(d),
  }
}

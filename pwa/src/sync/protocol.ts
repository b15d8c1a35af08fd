// DESIGN §6, the sync contract, as types plus the runtime checks that tell our server's JSON
// from anything else (a captive portal answers 200 with HTML).

export type MutationName =
  | 'report.create'
  | 'ticket.sign'
  | 'ticket.handle'
  | 'ticket.return'
  | 'ticket.request_extension'
  | 'ticket.recheck'

export interface ReportCreateArgs {
  report_id: string
  category_code: string
  lat: number
  lon: number
  accuracy_m: number | null
  captured_at: string
  description: string
  photos: string[]
  fixed_on_spot: boolean
  after_photos: string[]
}

export interface TicketRecheckArgs {
  ticket_id: string
  base_version: number
  passed: boolean
  photos: string[]
  note: string
}

export interface MutationArgsMap {
  'report.create': ReportCreateArgs
  'ticket.recheck': TicketRecheckArgs
  'ticket.sign': { ticket_id: string; base_version: number }
  'ticket.handle': { ticket_id: string; base_version: number; photos: string[]; note: string }
  'ticket.return': { ticket_id: string; base_version: number; reason: string }
  'ticket.request_extension': { ticket_id: string; base_version: number; hours: number; reason: string }
}

export interface Mutation<N extends MutationName = MutationName> {
  id: number
  name: N
  args: MutationArgsMap[N]
}

export interface MutationError {
  code: string
  message: string
  details?: Record<string, unknown>
}

export type MutationStatus = 'applied' | 'duplicate' | 'rejected'

export interface MutationResult {
  id: number
  status: MutationStatus
  error: MutationError | null
}

export interface PushRequest {
  client_id: string
  mutations: Array<Pick<Mutation, 'id' | 'name' | 'args'>>
}

export interface PushResponse {
  last_mutation_id: number
  results: MutationResult[]
}

export type ChangeType = 'report' | 'ticket' | 'category' | 'area'

export interface Change {
  op: 'put' | 'del'
  type: ChangeType | string
  id: string
  data: Record<string, unknown> | null
}

export interface PullRequest {
  client_id: string
  cursor: string
}

export interface PullResponse {
  cursor: string
  last_mutation_id: number
  changes: Change[]
  has_more: boolean
  reset: boolean
}

type Json = unknown

function isRecord(v: Json): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function asError(v: Json): MutationError | null {
  if (v === null || v === undefined) return null
  if (isRecord(v)) {
    const code = typeof v.code === 'string' ? v.code : 'rejected'
    const message = typeof v.message === 'string' ? v.message : code
    const details = isRecord(v.details) ? v.details : undefined
    return details ? { code, message, details } : { code, message }
  }
  if (typeof v === 'string') return { code: v, message: v }
  return { code: 'rejected', message: String(v) }
}

const STATUSES: readonly string[] = ['applied', 'duplicate', 'rejected']

/** Returns the parsed push reply, or null when the JSON is not our shape. */
export function parsePushResponse(v: Json): PushResponse | null {
  if (!isRecord(v) || !Array.isArray(v.results)) return null
  const last = Number(v.last_mutation_id)
  if (!Number.isInteger(last)) return null
  const results: MutationResult[] = []
  for (const r of v.results) {
    if (!isRecord(r)) return null
    const id = Number(r.id)
    if (!Number.isInteger(id) || typeof r.status !== 'string' || !STATUSES.includes(r.status)) return null
    results.push({ id, status: r.status as MutationStatus, error: asError(r.error) })
  }
  return { last_mutation_id: last, results }
}

/** Returns the parsed pull reply, or null when the JSON is not our shape. */
export function parsePullResponse(v: Json): PullResponse | null {
  if (!isRecord(v) || !Array.isArray(v.changes) || typeof v.has_more !== 'boolean') return null
  if (typeof v.cursor !== 'string' && typeof v.cursor !== 'number') return null
  const changes: Change[] = []
  for (const c of v.changes) {
    if (!isRecord(c) || (c.op !== 'put' && c.op !== 'del') || typeof c.type !== 'string') return null
    if (typeof c.id !== 'string' && typeof c.id !== 'number') return null
    changes.push({ op: c.op, type: c.type, id: String(c.id), data: isRecord(c.data) ? c.data : null })
  }
  const last = Number(v.last_mutation_id ?? 0)
  return {
    cursor: String(v.cursor),
    last_mutation_id: Number.isInteger(last) ? last : 0,
    changes,
    has_more: v.has_more,
    reset: v.reset === true,
  }
}

// Wire shapes the desk reads. Ticket shapes come from the server's OpenAPI (schema.d.ts);
// the statistics endpoints return free-form JSON, typed here after docs/metrics.md.
import type { components } from '@/api/schema'

type S = components['schemas']
export type Ticket = S['TicketPublic']
export type TicketDetail = S['TicketDetail']
export type TicketEvent = S['TicketEventPublic']
export type TicketsPage = S['TicketsPage']
export type NearbyTicket = S['NearbyTicket']
export type NearbyTickets = S['NearbyTickets']
export type MapPoint = S['MapPoint']
export type MapPoints = S['MapPoints']
export type Unit = S['UnitPublic']
export type Area = S['AreaPublic']
export type Category = S['CategoryPublic']
export type ClientConfig = S['ClientConfig']
export type MapConfig = S['MapConfig']

export type Rates = Record<string, number | null>
export type Counts = Record<string, number>

export interface UnitRow {
  unit_id: string
  unit_code: string
  unit_name: string
  dept_type: string
  peer_group: string
  peer_group_label: string
  rank: number
  overdue_backlog: number
  counts: Counts
  rates: Rates
  score: number | null
  grade: string | null
}

export interface PeerGroup {
  key: string
  label: string
  best: string | null
  worst: string | null
  units: UnitRow[]
}

export interface UnitStats {
  period: { label?: string; from?: string; to?: string } & Record<string, unknown>
  groups: PeerGroup[]
}

export interface Dashboard {
  period: Record<string, unknown>
  totals: { counts: Counts; rates: Rates; score: number | null; grade: string | null; overdue_backlog: number }
  by_source: Record<string, number>
  trend: Array<{ date: string; reported: number; filed: number; dispatched: number; handled: number; closed: number }>
  category_mix: Array<{ code: string; name: string; group: string; count: number; share: number }>
  rankings?: Array<{ key: string; label: string; best: unknown; worst: unknown }>
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

// Minimal shape checks: enough to tell our JSON from anything else (NotOursError otherwise).
export const parse = {
  detail: (v: unknown): TicketDetail | null =>
    isRecord(v) && isRecord(v.ticket) && Array.isArray(v.events) && Array.isArray(v.allowed_actions) ? (v as unknown as TicketDetail) : null,
  page: (v: unknown): TicketsPage | null => (isRecord(v) && Array.isArray(v.items) ? (v as unknown as TicketsPage) : null),
  mapPoints: (v: unknown): MapPoints | null =>
    isRecord(v) && Array.isArray(v.items) && typeof v.total === 'number' ? (v as unknown as MapPoints) : null,
  nearby: (v: unknown): NearbyTickets | null =>
    isRecord(v) && Array.isArray(v.items) && typeof v.radius_m === 'number' ? (v as unknown as NearbyTickets) : null,
  items: <T>(v: unknown): { items: T[]; next_cursor: string | null } | null =>
    isRecord(v) && Array.isArray(v.items) ? (v as unknown as { items: T[]; next_cursor: string | null }) : null,
  unitStats: (v: unknown): UnitStats | null => (isRecord(v) && Array.isArray(v.groups) ? (v as unknown as UnitStats) : null),
  dashboard: (v: unknown): Dashboard | null =>
    isRecord(v) && isRecord(v.totals) && Array.isArray(v.trend) ? (v as unknown as Dashboard) : null,
  config: (v: unknown): ClientConfig | null => (isRecord(v) && isRecord(v.map) ? (v as unknown as ClientConfig) : null),
}

import { computed } from 'vue'
import { useDataStore } from '@/stores/data'
import { useSyncStore } from '@/stores/sync'
import type { ReportRecord } from '@/lib/entities'
import type { ReportCreateArgs } from '@/sync/protocol'

export interface ReportView extends ReportRecord {
  /** queued: still in the outbox; refused: the server rejected it; synced: pulled back */
  origin: 'queued' | 'refused' | 'synced'
  refusal?: string
}

function fromArgs(a: ReportCreateArgs, origin: 'queued' | 'refused', refusal?: string): ReportView {
  return {
    id: a.report_id, ticketId: null, categoryCode: a.category_code, status: origin, capturedAt: a.captured_at,
    description: a.description, photos: a.photos, afterPhotos: a.after_photos, lat: a.lat, lon: a.lon,
    accuracy: a.accuracy_m, fixedOnSpot: a.fixed_on_spot, unitName: null, dueAt: null, timeline: [], origin, refusal,
  }
}

/** My reports: what the server sent back, plus what is still on the phone (queued or refused). */
export function useMyReports() {
  const data = useDataStore()
  const sync = useSyncStore()
  const all = computed<ReportView[]>(() => {
    const byId = new Map<string, ReportView>()
    for (const r of data.reports) byId.set(r.id, { ...r, origin: 'synced' })
    for (const m of sync.items) {
      if (m.name !== 'report.create') continue
      const a = m.args as ReportCreateArgs
      if (!byId.has(a.report_id)) byId.set(a.report_id, fromArgs(a, 'queued'))
    }
    for (const m of sync.rejected) {
      if (m.name !== 'report.create') continue
      const a = m.args as ReportCreateArgs
      if (!byId.has(a.report_id)) byId.set(a.report_id, fromArgs(a, 'refused', m.error.message))
    }
    return [...byId.values()].sort((x, y) => Date.parse(y.capturedAt ?? '') - Date.parse(x.capturedAt ?? '') || 0)
  })
  return { all }
}

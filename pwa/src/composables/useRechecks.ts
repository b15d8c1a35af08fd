import { computed } from 'vue'
import { useDataStore } from '@/stores/data'
import { useSyncStore } from '@/stores/sync'
import type { Ticket } from '@/lib/entities'
import type { TicketRecheckArgs } from '@/sync/protocol'

export interface RecheckTask extends Ticket {
  /** a re-check of it is waiting in the outbox */
  queued: boolean
}

/** Re-checks (核查) due in my grids: tickets the server sent me in status `handled`. */
export function useRechecks() {
  const data = useDataStore()
  const sync = useSyncStore()
  const queuedIds = computed(() => new Set(sync.items.filter((m) => m.name === 'ticket.recheck').map((m) => (m.args as TicketRecheckArgs).ticket_id)))
  const tasks = computed<RecheckTask[]>(() => data.tickets
    .filter((tk) => tk.status === 'handled')
    .map((tk) => ({ ...tk, queued: queuedIds.value.has(tk.id) }))
    .sort((a, b) => Number(a.queued) - Number(b.queued) || (a.handledAt ?? '').localeCompare(b.handledAt ?? '')))
  return { tasks }
}

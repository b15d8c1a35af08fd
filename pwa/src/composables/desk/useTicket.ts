// One ticket: its detail (timeline, routing, allowed actions) and the actions on it.
// Desk actions go straight to the server with base_version (a 409 reloads and says so);
// unit-staff actions that have a sync mutation go through the outbox, so they work offline.
import { computed, onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'
import { useContext } from '@/app/context'
import { subscribe } from '@/sync/bus'
import { enqueue, pending } from '@/sync/outbox'
import type { MutationArgsMap } from '@/sync/protocol'
import { getTicket, isConflict, isNotFound, postAction } from './useDeskApi'
import type { TicketDetail } from './types'

export type OutboxAction = 'sign' | 'handle' | 'return' | 'request_extension'
export const OUTBOX_ACTIONS: readonly string[] = ['sign', 'handle', 'return', 'request_extension']

export type ActResult = 'done' | 'queued' | 'conflict'

export function useTicket(id: Ref<string>) {
  const detail = shallowRef<TicketDetail | null>(null)
  const loading = ref(false)
  const notFound = ref(false)
  const error = ref<unknown>(null)
  /** actions of this ticket waiting in the outbox */
  const queued = ref<string[]>([])

  async function load(): Promise<void> {
    loading.value = true
    try {
      detail.value = await getTicket(id.value)
      notFound.value = false
      error.value = null
    } catch (err) {
      if (isNotFound(err)) {
        notFound.value = true
        detail.value = null
      } else {
        error.value = err
      }
    } finally {
      loading.value = false
    }
  }

  async function loadQueued(): Promise<void> {
    const { db } = await useContext()
    queued.value = (await pending(db))
      .filter((m) => m.name.startsWith('ticket.') && (m.args as { ticket_id?: string }).ticket_id === id.value)
      .map((m) => m.name.slice('ticket.'.length))
  }

  /** A desk action: straight to the server. On a stale version: reload, return 'conflict'. */
  async function act(action: string, payload: Record<string, unknown> = {}): Promise<ActResult> {
    const d = detail.value
    if (!d) throw new Error('no ticket loaded')
    try {
      detail.value = await postAction(d.ticket.id, action, d.ticket.version, payload)
      return 'done'
    } catch (err) {
      if (isConflict(err)) {
        await load()
        return 'conflict'
      }
      throw err
    }
  }

  /** A unit-staff action through the outbox: queued now, sent when there is signal. */
  async function queue<A extends OutboxAction>(action: A,
    args: Omit<MutationArgsMap[`ticket.${A}`], 'ticket_id' | 'base_version'>, photos: string[] = []): Promise<ActResult> {
    const d = detail.value
    if (!d) throw new Error('no ticket loaded')
    const { db, engine } = await useContext()
    await loadQueued()
    // Each of our queued mutations on this ticket moves its version by one when applied
    // (compare-and-set), so a sign queued offline is followed by a handle at version + 1.
    const base = d.ticket.version + queued.value.length
    const full = { ...args, ticket_id: d.ticket.id, base_version: base } as MutationArgsMap[`ticket.${A}`]
    await enqueue(db, `ticket.${action}` as `ticket.${A}`, full, photos)
    await loadQueued()
    void engine.kick()
    return 'queued'
  }

  const unsubscribe = subscribe((e) => {
    if (e.type !== 'outbox') return
    const before = queued.value.length
    void loadQueued().then(() => {
      if (queued.value.length < before) void load() // something of ours was answered
    })
  })
  onScopeDispose(unsubscribe)
  watch(id, () => void Promise.all([load(), loadQueued()]), { immediate: true })

  const ticket = computed(() => detail.value?.ticket ?? null)
  return { detail, ticket, loading, notFound, error, queued, load, act, queue }
}

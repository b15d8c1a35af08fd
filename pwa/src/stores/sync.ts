import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { useContext } from '@/app/context'
import { subscribe, type SyncPhase } from '@/sync/bus'
import type { OutboxItem, RejectedItem } from '@/sync/db'
import { dismissRejected, pending, queuedPhotoCount, rejectedItems } from '@/sync/outbox'

/** What the outbox holds and how sending goes; every screen shows `pendingCount`. */
export const useSyncStore = defineStore('sync', () => {
  const items = ref<OutboxItem[]>([])
  const rejected = ref<RejectedItem[]>([])
  const photosWaiting = ref(0)
  const phase = ref<SyncPhase>('idle')
  const lastError = ref<string | null>(null)
  const nextAt = ref<number | null>(null)
  const lastSyncedAt = ref<number | null>(null)
  const persisted = ref<boolean | null>(null)

  const pendingCount = computed(() => items.value.length)

  async function refresh(): Promise<void> {
    const { db, engine } = await useContext()
    const [p, r, n] = await Promise.all([pending(db), rejectedItems(db), queuedPhotoCount(db)])
    items.value = p
    rejected.value = r
    photosWaiting.value = n
    phase.value = engine.phase
    lastError.value = engine.lastError
    nextAt.value = engine.nextAt
    lastSyncedAt.value = engine.lastSyncedAt
  }

  async function syncNow(): Promise<void> {
    const { engine } = await useContext()
    await engine.kick()
    await refresh()
  }

  async function dismiss(id: number): Promise<void> {
    const { db } = await useContext()
    await dismissRejected(db, id)
    await refresh()
  }

  async function askPersist(): Promise<void> {
    if (!navigator.storage?.persist) return
    persisted.value = (await navigator.storage.persisted()) || (await navigator.storage.persist())
  }

  subscribe((e) => {
    if (e.type === 'sync') {
      phase.value = e.state
      lastError.value = e.error ?? null
      nextAt.value = e.nextAt ?? null
    }
    if (e.type === 'outbox' || e.type === 'sync') void refresh()
  })

  return { items, rejected, photosWaiting, phase, lastError, nextAt, lastSyncedAt, persisted, pendingCount, refresh, syncNow, dismiss, askPersist }
})

import { computed, ref, shallowRef } from 'vue'
import { defineStore } from 'pinia'
import { useContext } from '@/app/context'
import { subscribe } from '@/sync/bus'
import { getMeta } from '@/sync/db'
import type { Category, Area, Ticket, ReportRecord } from '@/lib/entities'
import { toArea, toCategory, toReport, toTicket } from '@/lib/entities'

/** The pulled cache (categories, areas, my reports, tickets), readable offline. */
export const useDataStore = defineStore('data', () => {
  const categories = shallowRef<Category[]>([])
  const areas = shallowRef<Area[]>([])
  const reports = shallowRef<ReportRecord[]>([])
  const tickets = shallowRef<Ticket[]>([])
  const recent = ref<string[]>([])
  const loaded = ref(false)

  const categoryByCode = computed(() => new Map(categories.value.map((c) => [c.code, c])))
  const ticketById = computed(() => new Map(tickets.value.map((t) => [t.id, t])))

  async function load(): Promise<void> {
    const { db } = await useContext()
    const [c, a, r, t, rc] = await Promise.all([
      db.getAll('category'), db.getAll('area'), db.getAll('report'), db.getAll('ticket'), getMeta(db, 'recent_categories'),
    ])
    categories.value = c.map((e) => toCategory(e.id, e.data)).filter((x) => x.active)
    areas.value = a.map((e) => toArea(e.id, e.data))
    reports.value = r.map((e) => toReport(e.id, e.data))
    tickets.value = t.map((e) => toTicket(e.id, e.data))
    recent.value = rc ?? []
    loaded.value = true
  }

  subscribe((e) => {
    if (e.type === 'cache') void load()
  })

  return { categories, areas, reports, tickets, recent, loaded, categoryByCode, ticketById, load }
})

import { ref, shallowRef, watch, type Ref } from 'vue'
import { getJson } from './useDeskApi'
import { parse, type Dashboard, type UnitStats } from './types'

/** This month in Asia/Shanghai, e.g. 2026-11. */
export function currentMonth(now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).formatToParts(now)
  const get = (k: string) => parts.find((p) => p.type === k)?.value ?? ''
  return `${get('year')}-${get('month')}`
}

export function useStats(month: Ref<string>, withDashboard = true) {
  const units = shallowRef<UnitStats | null>(null)
  const dashboard = shallowRef<Dashboard | null>(null)
  const loading = ref(false)
  const error = ref<unknown>(null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      const q = `month=${encodeURIComponent(month.value)}`
      const [u, d] = await Promise.all([
        getJson(`/api/v1/stats/units?${q}`, parse.unitStats),
        withDashboard ? getJson(`/api/v1/stats/dashboard?${q}`, parse.dashboard) : Promise.resolve(null),
      ])
      units.value = u
      dashboard.value = d
      error.value = null
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
  }
  watch(month, () => void load(), { immediate: true })
  return { units, dashboard, loading, error, load }
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${v.toFixed(2)}%`
}

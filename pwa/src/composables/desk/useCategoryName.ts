import { shallowRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { listCategories, listUnits } from './useDeskApi'
import type { Category, Unit } from './types'

const byCode = shallowRef<Map<string, Category>>(new Map())
let started = false

/** Category code → display name in the current language (the code itself until the list arrives). */
export function useCategoryName() {
  const { locale } = useI18n()
  if (!started) {
    started = true
    listCategories().then((list) => (byCode.value = new Map(list.map((c) => [c.code, c]))))
      .catch((err: unknown) => {
        started = false
        console.warn('categories unavailable', err)
      })
  }
  return (code: string): string => {
    const c = byCode.value.get(code)
    if (!c) return code
    return locale.value === 'en' && c.name_en ? c.name_en : c.name
  }
}

const unitsById = shallowRef<Map<string, Unit>>(new Map())
let unitsStarted = false

/** Unit id → name (null until the list arrives or for an unknown id). */
export function useUnitName() {
  if (!unitsStarted) {
    unitsStarted = true
    listUnits().then((list) => (unitsById.value = new Map(list.map((u) => [u.id, u]))))
      .catch((err: unknown) => {
        unitsStarted = false
        console.warn('units unavailable', err)
      })
  }
  return (id: string): string | null => unitsById.value.get(id)?.name ?? null
}

import { shallowRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { listCategories } from './useDeskApi'
import type { Category } from './types'

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

import { onScopeDispose, ref } from 'vue'

/** True on desktop-width screens (list and detail side by side). */
export function useWide(query = '(min-width: 960px)') {
  const mq = window.matchMedia(query)
  const wide = ref(mq.matches)
  const on = (e: MediaQueryListEvent) => (wide.value = e.matches)
  mq.addEventListener('change', on)
  onScopeDispose(() => mq.removeEventListener('change', on))
  return wide
}

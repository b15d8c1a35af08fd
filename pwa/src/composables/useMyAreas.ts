import { computed } from 'vue'
import { useAuthStore } from '@/stores/auth'
import { useDataStore } from '@/stores/data'

/** The grids to draw: the user's own when known, else every grid the server sent. */
export function useMyAreas() {
  const auth = useAuthStore()
  const data = useDataStore()
  return computed(() => {
    const mine = new Set(auth.user?.grid_codes ?? [])
    const grids = data.areas.filter((a) => a.level === 'grid')
    const own = grids.filter((a) => mine.has(a.code))
    if (own.length) return own
    return grids.length ? grids : data.areas
  })
}

import { onScopeDispose, ref } from 'vue'

export type FixSource = 'gps' | 'photo' | 'manual'

export interface Fix {
  lat: number
  lon: number
  /** metres; null when unknown (a photo's EXIF position, a map tap with no GPS fix) */
  accuracy: number | null
  source: FixSource
}

export type GeoStatus = 'idle' | 'locating' | 'done' | 'denied' | 'unavailable'

/**
 * Watches the position for a few seconds and keeps the most accurate fix; a map adjustment or a
 * photo's EXIF position can stand in. Returns refs plus `error`, vueuse style.
 */
export function useGeolocation(opts: { watchMs?: number; goodEnoughM?: number } = {}) {
  const watchMs = opts.watchMs ?? 10_000
  const goodEnough = opts.goodEnoughM ?? 10
  const fix = ref<Fix | null>(null)
  const status = ref<GeoStatus>('idle')
  const error = ref<string | null>(null)
  let watchId: number | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  let bestGps: number | null = null

  function stop(): void {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId)
    if (timer !== null) clearTimeout(timer)
    watchId = null
    timer = null
    if (status.value === 'locating') status.value = fix.value ? 'done' : 'unavailable'
  }

  function start(): void {
    stop()
    if (!('geolocation' in navigator)) {
      status.value = 'unavailable'
      return
    }
    status.value = 'locating'
    error.value = null
    watchId = navigator.geolocation.watchPosition(
      (p) => {
        const acc = Math.round(p.coords.accuracy)
        if (bestGps === null || acc <= bestGps) {
          bestGps = acc
          if (fix.value?.source !== 'manual') fix.value = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: acc, source: 'gps' }
        }
        if (acc <= goodEnough) stop()
      },
      (err) => {
        error.value = err.message
        if (err.code === err.PERMISSION_DENIED) {
          status.value = 'denied'
          stop()
        }
      },
      { enableHighAccuracy: true, maximumAge: 5_000, timeout: 20_000 },
    )
    timer = setTimeout(stop, watchMs)
  }

  function setManual(lat: number, lon: number): void {
    fix.value = { lat, lon, accuracy: fix.value?.accuracy ?? bestGps, source: 'manual' }
  }

  /** A photo's EXIF position, used only while nothing better is known. */
  function offerFallback(lat: number, lon: number): void {
    if (!fix.value) fix.value = { lat, lon, accuracy: null, source: 'photo' }
  }

  function reset(): void {
    fix.value = null
    bestGps = null
    start()
  }

  onScopeDispose(stop)
  return { fix, status, error, start, stop, setManual, offerFallback, reset }
}

// The service worker (offline app shell, updates on the user's word), the sync triggers, and
// Background Sync as one more trigger where the browser has it.
import type { App } from 'vue'
import { ref } from 'vue'
import { Workbox } from 'workbox-window'
import { useContext } from '@/app/context'
import { subscribe } from '@/sync/bus'

export const updateReady = ref(false)
export const offlineReady = ref(false)
let wb: Workbox | null = null

export const BG_SYNC_TAG = 'civicloop-outbox'

interface SyncManagerLike {
  register(tag: string): Promise<void>
}

/** Asks the browser to wake the service worker when the network is back (Chromium only). */
export async function requestBackgroundSync(): Promise<void> {
  if (!('serviceWorker' in navigator)) return
  const reg = await navigator.serviceWorker.getRegistration()
  const sync = (reg as (ServiceWorkerRegistration & { sync?: SyncManagerLike }) | undefined)?.sync
  if (!sync) return
  try {
    await sync.register(BG_SYNC_TAG)
  } catch (err) {
    // Permission not granted (or not installed yet): the page's own triggers still run.
    console.info('background sync unavailable', err)
  }
}

export function applyUpdate(): void {
  if (!wb) return
  wb.addEventListener('controlling', () => window.location.reload())
  wb.messageSkipWaiting()
}

function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return
  wb = new Workbox('/sw.js', { scope: '/' })
  wb.addEventListener('waiting', () => {
    updateReady.value = true
  })
  wb.addEventListener('activated', (e) => {
    if (!e.isUpdate) offlineReady.value = true
  })
  void wb.register().then(() => {
    offlineReady.value = navigator.serviceWorker.controller !== null
  })
}

function startTriggers(): void {
  void useContext().then(({ engine }) => {
    void engine.syncNow() // app start
    window.addEventListener('online', () => void engine.kick())
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void engine.kick()
    })
  })
  subscribe((e) => {
    if (e.type === 'outbox') void requestBackgroundSync()
  })
}

/** After the first screen is up: the service worker's precache and the first sync compete with it otherwise. */
function afterLoad(fn: () => void): void {
  const idle = () => ('requestIdleCallback' in window ? window.requestIdleCallback(() => fn(), { timeout: 2000 }) : setTimeout(fn, 200))
  if (document.readyState === 'complete') idle()
  else window.addEventListener('load', () => idle(), { once: true })
}

export function install(_app: App): void {
  afterLoad(() => {
    registerServiceWorker()
    startTriggers()
  })
}

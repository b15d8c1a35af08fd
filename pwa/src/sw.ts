/// <reference lib="webworker" />
// App shell offline (precache + navigation fallback), never /api/ (the outbox owns offline data),
// updates only when the page says so, and Background Sync running the same engine as the page.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { clientsClaim } from 'workbox-core'
import { openCivicDb } from './sync/db'
import { createContext } from './app/context'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> }

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//, /^\/healthz/, /^\/readyz/] }))

// The first install controls the open page at once; later versions wait for the user's "reload".
clientsClaim()
self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting()
})

interface SyncEvent extends ExtendableEvent {
  readonly tag: string
}

async function backgroundSync(): Promise<void> {
  const ctx = createContext(await openCivicDb())
  ctx.engine.stop() // no timers in the worker: one pass, then the pages take over
  const outcome = await ctx.engine.syncNow()
  for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage({ type: 'synced', outcome })
  if (outcome === 'failed') throw new Error('background sync failed; the browser will retry')
}

self.addEventListener('sync', (event) => {
  const e = event as SyncEvent
  if (e.tag === 'civicloop-outbox') e.waitUntil(backgroundSync())
})

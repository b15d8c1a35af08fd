// Tells every tab (and the service worker) that something in IndexedDB moved, so views reload it.
export type BusEvent =
  | { type: 'outbox' }
  | { type: 'cache' }
  | { type: 'session' }
  | { type: 'sync'; state: SyncPhase; error?: string; nextAt?: number | null }

export type SyncPhase = 'idle' | 'syncing' | 'offline' | 'error' | 'auth'

type Listener = (e: BusEvent) => void
const listeners = new Set<Listener>()
let channel: BroadcastChannel | null | undefined

function getChannel(): BroadcastChannel | null {
  if (channel === undefined) {
    channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('civicloop') : null
    channel?.addEventListener('message', (m: MessageEvent<BusEvent>) => {
      for (const l of listeners) l(m.data)
    })
  }
  return channel
}

export function notify(e: BusEvent): void {
  for (const l of listeners) l(e)
  getChannel()?.postMessage(e)
}

export function subscribe(fn: Listener): () => void {
  getChannel()
  listeners.add(fn)
  return () => listeners.delete(fn)
}

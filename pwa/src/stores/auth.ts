import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { useContext } from '@/app/context'
import { subscribe } from '@/sync/bus'
import { clearCache } from '@/sync/engine'
import { getMeta } from '@/sync/db'
import { bindClient, OutboxNotEmptyError, pendingCount } from '@/sync/outbox'
import type { Session } from '@/sync/db'

export class OtherUserPendingError extends Error {
  override name = 'OtherUserPendingError'
  constructor(readonly pending: number, readonly owner: string) {
    super(`${pending} unsent items belong to ${owner}`)
  }
}

export const useAuthStore = defineStore('auth', () => {
  const session = ref<Session | null>(null)
  const loaded = ref(false)

  const user = computed(() => session.value?.user ?? null)
  const signedIn = computed(() => session.value !== null)
  /** signed in once, but the server no longer takes the refresh token */
  const expired = computed(() => session.value?.expired === true)
  const roles = computed(() => new Set(user.value?.roles ?? []))
  const isGridWorker = computed(() => roles.value.has('grid_worker'))

  async function load(): Promise<void> {
    const { sessions } = await useContext()
    session.value = (await sessions.current()) ?? null
    loaded.value = true
  }

  async function login(username: string, password: string): Promise<void> {
    const { sessions, db, engine } = await useContext()
    const previous = await sessions.current()
    const waiting = await pendingCount(db)
    const owner = await getMeta(db, 'client_owner')
    const who = username.trim()
    // Unsent work belongs to whoever queued it: another user may not send it under their name.
    if (waiting > 0 && owner && owner.username !== who && owner.phone !== who) {
      throw new OtherUserPendingError(waiting, owner.username)
    }
    const next = await sessions.login({ username: who, password })
    try {
      await bindClient(db, next.user)
    } catch (err) {
      await sessions.logout()
      session.value = null
      if (err instanceof OutboxNotEmptyError) throw new OtherUserPendingError(waiting, owner?.username ?? '')
      throw err
    }
    if (previous && previous.user.id !== next.user.id) await clearCache(db)
    session.value = next
    void engine.kick()
  }

  async function logout(): Promise<void> {
    const { sessions } = await useContext()
    await sessions.logout()
    session.value = null
  }

  subscribe((e) => {
    if (e.type === 'session') void load()
  })

  return { session, loaded, user, signedIn, expired, roles, isGridWorker, load, login, logout }
})

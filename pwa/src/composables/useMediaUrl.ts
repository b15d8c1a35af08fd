import { onScopeDispose, ref, watch, type Ref } from 'vue'
import { useContext } from '@/app/context'
import { photoBlob } from '@/sync/outbox'

/** A displayable URL for a photo hash: the phone's own copy, else the server's thumbnail (with the token). */
export function useMediaUrl(sha: Ref<string>) {
  const url = ref<string | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)

  function release(): void {
    if (url.value) URL.revokeObjectURL(url.value)
    url.value = null
  }

  async function load(hash: string): Promise<void> {
    release()
    error.value = null
    loading.value = true
    try {
      const { db, api } = await useContext()
      let blob = await photoBlob(db, hash)
      if (!blob) {
        const res = await api.send('GET', `/api/v1/media/${hash}/thumb`)
        const type = res.headers.get('content-type') ?? ''
        if (!type.startsWith('image/')) throw new Error(`not an image: ${type}`)
        blob = await res.blob()
      }
      if (hash === sha.value) url.value = URL.createObjectURL(blob)
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err)
    } finally {
      loading.value = false
    }
  }

  watch(sha, (h) => void load(h), { immediate: true })
  onScopeDispose(release)
  return { url, error, loading }
}

import { onScopeDispose, ref, shallowReactive } from 'vue'
import { useContext } from '@/app/context'
import { preparePhoto, readExif, type ExifFacts } from '@/lib/photo'
import { photoBlob, savePhoto } from '@/sync/outbox'

let seq = 0

/**
 * A list of photos being taken for one form: each file is compressed, hashed and stored in
 * IndexedDB before it shows up. Timings go to the User Timing API (`civicloop:photo`).
 */
export function usePhotoList() {
  const shas = ref<string[]>([])
  const urls = shallowReactive(new Map<string, string>())
  const busy = ref(0)
  const error = ref<string | null>(null)
  const firstAddedAt = ref<Date | null>(null)

  async function addOne(file: File): Promise<ExifFacts> {
    const mark = `civicloop:photo:start:${++seq}`
    performance.mark(mark)
    const exif = readExif(file).catch((err: unknown) => {
      console.info('no EXIF', err)
      return {} as ExifFacts
    })
    const prepared = await preparePhoto(file)
    performance.measure('civicloop:photo:prepare', mark)
    const { db } = await useContext()
    await savePhoto(db, { sha: prepared.sha, blob: prepared.blob, type: 'image/jpeg', size: prepared.blob.size, width: prepared.width, height: prepared.height })
    if (!shas.value.includes(prepared.sha)) {
      shas.value = [...shas.value, prepared.sha]
      urls.set(prepared.sha, URL.createObjectURL(prepared.blob))
    }
    performance.measure('civicloop:photo', mark)
    return exif
  }

  /** Adds the files; resolves to the EXIF facts of the first one (a fallback location and time). */
  async function add(files: Iterable<File>): Promise<ExifFacts | null> {
    let facts: ExifFacts | null = null
    firstAddedAt.value ??= new Date()
    for (const file of files) {
      busy.value++
      try {
        const f = await addOne(file)
        facts ??= f
      } catch (err) {
        error.value = err instanceof Error ? err.message : String(err)
        console.error('photo failed', err)
      } finally {
        busy.value--
      }
    }
    return facts
  }

  function remove(sha: string): void {
    shas.value = shas.value.filter((s) => s !== sha)
    const url = urls.get(sha)
    if (url) URL.revokeObjectURL(url)
    urls.delete(sha)
  }

  /** Shows photos already stored in IndexedDB (a draft the app was closed on). */
  async function restore(stored: string[]): Promise<void> {
    const { db } = await useContext()
    for (const sha of stored) {
      const blob = await photoBlob(db, sha)
      if (!blob || shas.value.includes(sha)) continue
      shas.value = [...shas.value, sha]
      urls.set(sha, URL.createObjectURL(blob))
    }
  }

  function reset(): void {
    for (const url of urls.values()) URL.revokeObjectURL(url)
    urls.clear()
    shas.value = []
    error.value = null
    firstAddedAt.value = null
  }

  onScopeDispose(reset)
  return { shas, urls, busy, error, firstAddedAt, add, remove, restore, reset }
}

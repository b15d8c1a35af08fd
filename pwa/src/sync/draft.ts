// The report being filled in, kept in IndexedDB as it changes. On cheap Android phones opening
// the camera often gets the browser tab killed; the photo is already stored (usePhotoList saves
// it before it shows), and this keeps the rest of the form, so the worker comes back to it
// instead of an empty screen.
import type { CivicDb } from '@/sync/db'
import { deleteMeta, getMeta, setMeta } from '@/sync/db'

/** A position the worker placed by hand on the map (the service worker imports this module too,
 *  so it does not reach for the page-only geolocation composable's types). */
export interface DraftFix {
  lat: number
  lon: number
  accuracy: number | null
  source: 'manual'
}

export interface ReportDraft {
  /** whose draft: another user signing in on the same phone never sees it */
  owner: string
  category: string | null
  note: string
  fixed_on_spot: boolean
  photos: string[]
  after_photos: string[]
  /** only a position the worker placed by hand; GPS is read again on return */
  manual_fix: DraftFix | null
  captured_at: string | null
  saved_at: string
}

/** A draft is worth keeping once the worker has put anything into the form. */
export function isEmptyDraft(d: Omit<ReportDraft, 'owner' | 'saved_at'>): boolean {
  return !d.category && !d.note.trim() && !d.fixed_on_spot && d.photos.length === 0 &&
    d.after_photos.length === 0 && d.manual_fix === null
}

export async function saveDraft(db: CivicDb, draft: Omit<ReportDraft, 'saved_at'>, now: Date = new Date()): Promise<void> {
  if (isEmptyDraft(draft)) await deleteMeta(db, 'report_draft')
  else await setMeta(db, 'report_draft', { ...draft, saved_at: now.toISOString() })
}

/** The owner's draft, with photos that are no longer stored left out. */
export async function loadDraft(db: CivicDb, owner: string): Promise<ReportDraft | null> {
  const draft = await getMeta(db, 'report_draft')
  if (!draft || draft.owner !== owner) return null
  const stored = async (shas: string[]) => {
    const kept: string[] = []
    for (const sha of shas) if (await db.get('photos', sha)) kept.push(sha)
    return kept
  }
  return { ...draft, photos: await stored(draft.photos), after_photos: await stored(draft.after_photos) }
}

export async function clearDraft(db: CivicDb): Promise<void> {
  await deleteMeta(db, 'report_draft')
}

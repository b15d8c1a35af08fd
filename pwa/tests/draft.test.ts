import { describe, expect, it } from 'vitest'
import { clearDraft, loadDraft, saveDraft } from '@/sync/draft'
import { savePhoto } from '@/sync/outbox'
import { rig, SHA_A, SHA_B } from './helpers'

const blank = { category: null, note: '', fixed_on_spot: false, photos: [], after_photos: [], manual_fix: null, captured_at: null }

describe('report draft', () => {
  it('comes back for the same user, with its photos', async () => {
    const { db } = await rig()
    await savePhoto(db, { sha: SHA_A, blob: new Blob([new Uint8Array([1])], { type: 'image/jpeg' }), type: 'image/jpeg', size: 1, width: 1, height: 1 })
    await saveDraft(db, { ...blank, owner: 'u1', category: '09009', note: '占道经营', photos: [SHA_A],
      manual_fix: { lat: 32.04, lon: 118.78, accuracy: 12, source: 'manual' } }, new Date('2026-11-22T08:00:00Z'))
    const draft = await loadDraft(db, 'u1')
    expect(draft).toMatchObject({ category: '09009', note: '占道经营', photos: [SHA_A], saved_at: '2026-11-22T08:00:00.000Z' })
    expect(draft?.manual_fix).toEqual({ lat: 32.04, lon: 118.78, accuracy: 12, source: 'manual' })
  })

  it('is never shown to another user signing in on the same phone', async () => {
    const { db } = await rig()
    await saveDraft(db, { ...blank, owner: 'u1', note: '别人的草稿' })
    expect(await loadDraft(db, 'u2')).toBeNull()
  })

  it('leaves out photos that are no longer stored', async () => {
    const { db } = await rig()
    await savePhoto(db, { sha: SHA_A, blob: new Blob([new Uint8Array([1])], { type: 'image/jpeg' }), type: 'image/jpeg', size: 1, width: 1, height: 1 })
    await saveDraft(db, { ...blank, owner: 'u1', photos: [SHA_A, SHA_B] })
    expect((await loadDraft(db, 'u1'))?.photos).toEqual([SHA_A])
  })

  it('is dropped when the form is emptied or submitted', async () => {
    const { db } = await rig()
    await saveDraft(db, { ...blank, owner: 'u1', note: 'x' })
    await saveDraft(db, { ...blank, owner: 'u1' })
    expect(await loadDraft(db, 'u1')).toBeNull()
    await saveDraft(db, { ...blank, owner: 'u1', category: '06010' })
    await clearDraft(db)
    expect(await loadDraft(db, 'u1')).toBeNull()
  })
})

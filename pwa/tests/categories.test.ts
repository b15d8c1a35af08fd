import { describe, expect, it } from 'vitest'
import { rankCategories, searchCategories } from '@/composables/useCategorySearch'
import { toCategory, toTicket } from '@/lib/entities'

const cats = [
  toCategory('06010', { code: '06010', name: '暴露垃圾', group_code: '06', keywords: ['垃圾'] }),
  toCategory('06042', { code: '06042', name: '垃圾站(箱)满溢', group_code: '06' }),
  toCategory('09009', { code: '09009', name: '机动车乱停放', name_en: 'Illegal car parking', group_code: '09' }),
  toCategory('07001', { code: '07001', name: '非法小广告', group_code: '07' }),
  toCategory('10001', { code: '10001', name: '其他', group_code: '10', common: false, sort_order: 99 }),
]

describe('category search', () => {
  it('finds by code prefix, by name, by English name and by everyday words', () => {
    expect(searchCategories(cats, '0900').map((c) => c.code)).toEqual(['09009'])
    expect(searchCategories(cats, '垃圾').map((c) => c.code).sort()).toEqual(['06010', '06042'])
    expect(searchCategories(cats, 'parking').map((c) => c.code)).toEqual(['09009'])
    expect(searchCategories(cats, '牛皮癣').map((c) => c.code)).toEqual(['07001'])
    expect(searchCategories(cats, '违停').map((c) => c.code)).toEqual(['09009'])
    expect(searchCategories(cats, '不存在的东西')).toEqual([])
  })

  it('puts recent choices first, then the common 创城 items', () => {
    expect(rankCategories(cats, ['07001']).map((c) => c.code)).toEqual(['07001', '09009', '06010', '06042', '10001'])
  })
})

describe('pulled tickets', () => {
  it('reads the after-photos and builds a timeline from milestones', () => {
    const t = toTicket('t1', {
      status: 'handled', version: 4, category_code: '09009', unit_code: 'WY-LAKE', after_photos: ['a'.repeat(64)],
      reported_at: '2026-11-22T01:00:00+00:00', dispatched_at: '2026-11-22T01:00:01+00:00', handled_at: '2026-11-22T02:00:00+00:00',
    })
    expect(t.afterPhotos).toHaveLength(1)
    expect(t.timeline.map((e) => e.action)).toEqual(['report', 'dispatch', 'handle'])
  })
})

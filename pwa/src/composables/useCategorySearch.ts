import { computed, type Ref } from 'vue'
import type { Category } from '@/lib/entities'

/** The ones 创城 inspections meet most (DOMAIN §2), in the order the picker offers them. */
export const COMMON_CODES = [
  '09009', '09010', '09011', '09006', '09005', '07001', '06010', '06042',
  '06036', '06012', '06007', '06008', '09001', '06029', '09019', '08004',
]

/** Words people type that are not in the official names (DOMAIN §2 disambiguation). */
const EXTRA_KEYWORDS: Record<string, string[]> = {
  '09009': ['停车', '违停', '汽车', '车'],
  '09010': ['电动车', '自行车', '电瓶车', '非机动车'],
  '09011': ['单车', '美团', '哈啰', '青桔', '共享'],
  '09006': ['摊', '摊点', '占道'],
  '09005': ['出店', '门口', '店外'],
  '09001': ['游商', '小贩', '流动摊贩'],
  '07001': ['小广告', '牛皮癣', '张贴', '乱贴'],
  '06010': ['垃圾', '纸屑', '烟头'],
  '06042': ['垃圾桶', '满溢', '垃圾箱'],
  '06011': ['渣土', '堆积'],
  '06036': ['杂物', '堆物'],
  '06007': ['晾晒', '晾衣', '晒'],
  '06008': ['飞线', '充电', '电线'],
  '06029': ['烧烤', '烟'],
  '06013': ['坑', '路面'],
  '06051': ['盲道'],
  '09019': ['盲道', '无障碍'],
  '08004': ['扬尘', '灰尘', '工地'],
}

export function rankCategories(categories: Category[], recent: string[]): Category[] {
  const order = [...recent, ...COMMON_CODES.filter((c) => !recent.includes(c))]
  const pos = new Map(order.map((c, i) => [c, i]))
  const rank = (c: Category) => pos.get(c.code) ?? (c.common ? 100 : 1000) + c.sortOrder
  return [...categories].sort((a, b) => rank(a) - rank(b) || a.code.localeCompare(b.code))
}

export function searchCategories(categories: Category[], query: string): Category[] {
  const q = query.trim().toLowerCase()
  if (!q) return categories
  const scored: Array<[number, Category]> = []
  for (const c of categories) {
    const words = [...c.keywords, ...(EXTRA_KEYWORDS[c.code] ?? [])].map((w) => w.toLowerCase())
    let score = -1
    if (c.code === q) score = 0
    else if (c.code.startsWith(q)) score = 1
    else if (c.name.toLowerCase().startsWith(q) || c.nameEn?.toLowerCase().startsWith(q)) score = 2
    else if (c.name.toLowerCase().includes(q) || c.nameEn?.toLowerCase().includes(q)) score = 3
    else if (words.some((w) => w.includes(q) || q.includes(w))) score = 4
    else if (c.groupName?.toLowerCase().includes(q)) score = 5
    if (score >= 0) scored.push([score, c])
  }
  return scored.sort((a, b) => a[0] - b[0]).map(([, c]) => c)
}

export function useCategorySearch(categories: Ref<Category[]>, recent: Ref<string[]>, query: Ref<string>) {
  const ranked = computed(() => rankCategories(categories.value, recent.value))
  const common = computed(() => ranked.value.slice(0, 8))
  const results = computed(() => searchCategories(ranked.value, query.value))
  return { ranked, common, results }
}

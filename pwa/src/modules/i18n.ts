import type { App } from 'vue'
import { createI18n } from 'vue-i18n'
import { Locale } from 'vant'
import zhCN from '@/locales/zh-CN.json'
import en from '@/locales/en.json'
import deskZhCN from '@/locales/desk/zh-CN.json'
import deskEn from '@/locales/desk/en.json'

export type MessageSchema = typeof zhCN & { desk: typeof deskZhCN }
export type AppLocale = 'zh-CN' | 'en'
export const LOCALES: AppLocale[] = ['zh-CN', 'en']
const KEY = 'civicloop.locale'

function initialLocale(): AppLocale {
  const saved = localStorage.getItem(KEY)
  return saved === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': { ...zhCN, desk: deskZhCN }, en: { ...en, desk: deskEn } } satisfies Record<AppLocale, MessageSchema>,
})

export async function setLocale(locale: AppLocale): Promise<void> {
  if (locale === 'en') {
    const enUS = (await import('vant/es/locale/lang/en-US')).default
    Locale.use('en-US', enUS)
  } else {
    const zh = (await import('vant/es/locale/lang/zh-CN')).default
    Locale.use('zh-CN', zh)
  }
  i18n.global.locale.value = locale
  localStorage.setItem(KEY, locale)
  document.documentElement.lang = locale
}

export function install(app: App): void {
  app.use(i18n)
  const current = i18n.global.locale.value as AppLocale
  if (current !== 'zh-CN') void setLocale(current)
}

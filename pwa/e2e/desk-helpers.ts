// Helpers for the desk browser tests (the field app's harness starts the backend).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export const PHONE = { width: 390, height: 844 }
export const DESKTOP = { width: 1440, height: 900 }

/** A desk computer: 1440×900, zh-CN, Shanghai time. */
export async function desktopContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return browser.newContext({ baseURL, viewport: DESKTOP, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'allow' })
}

export async function signIn(page: Page, username: string): Promise<void> {
  await page.goto('/login')
  await page.getByTestId('login-username').locator('input').fill(username)
  await page.getByTestId('login-password').locator('input').fill('Demo@2026')
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

/** Screenshots of one desk screen at phone and desktop sizes (test artifacts, ignored by git). */
export async function shoot(page: Page, dir: string, name: string, ready: () => Promise<void>): Promise<void> {
  mkdirSync(dir, { recursive: true })
  const original = page.viewportSize()
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(size)
    await ready()
    await page.evaluate(() => document.fonts.ready)
    // No dialog overlay fading out and no toast over the screen.
    await page.waitForFunction(() => ![...document.querySelectorAll('.van-overlay, .van-toast')]
      .some((e) => getComputedStyle(e).display !== 'none'))
    await page.screenshot({ path: join(dir, `${name}-${label}-${size.width}x${size.height}.png`) })
  }
  if (original) await page.setViewportSize(original)
  await ready()
}

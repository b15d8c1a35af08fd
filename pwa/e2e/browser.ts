import { chromium, type Browser, type BrowserContext } from 'playwright-core'

// PWA-NOTES: Debian's Chromium, run as root in a container.
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
]

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

/** A phone: 390×844, touch, zh-CN, Shanghai time, a mocked GPS fix. */
export async function phoneContext(browser: Browser, baseURL: string, at: { lat: number; lon: number }): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    serviceWorkers: 'allow',
  })
  await context.grantPermissions(['geolocation', 'background-sync'], { origin: baseURL })
  await context.setGeolocation({ latitude: at.lat, longitude: at.lon, accuracy: 8 })
  return context
}

// The field worker's day, against the real backend: sign in, lose the signal, report with a
// photo, reload offline, get the signal back, see the report routed; the unit handles it (via the
// API); the worker re-checks it offline and the loop closes.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { components } from '../src/api/schema'
import { Api } from './api'
import { launch, phoneContext } from './browser'

interface Sample { id: string; lat: number; lon: number; category: string; unit: string; grid: string }
type ReportOut = components['schemas']['ReportPublic']
type TicketDetail = components['schemas']['TicketDetail']

const baseUrl = inject('baseUrl')
const repo = inject('repo')
const samples = JSON.parse(readFileSync(join(repo, 'demo/city/samples.json'), 'utf8')) as Sample[]
const users = JSON.parse(readFileSync(join(repo, 'demo/city/users.json'), 'utf8')) as Array<{ username: string; unit?: string; grids?: string[] }>
const grid01 = users.find((u) => u.username === 'grid01')!
// A demo sample point inside grid01's grids whose report routes to a unit with a demo handler.
const sample = samples.find((s) => grid01.grids?.includes(s.grid) && users.some((u) => u.unit === s.unit))!
const handler = users.find((u) => u.unit === sample.unit)!

let browser: Browser
let context: BrowserContext
let page: Page

async function makeJpeg(p: Page, hue: number): Promise<Buffer> {
  const b64 = await p.evaluate((h) => {
    const c = document.createElement('canvas')
    c.width = 2000
    c.height = 1500
    const g = c.getContext('2d')!
    const grad = g.createLinearGradient(0, 0, 2000, 1500)
    grad.addColorStop(0, `hsl(${h}, 70%, 50%)`)
    grad.addColorStop(1, `hsl(${(h + 120) % 360}, 70%, 30%)`)
    g.fillStyle = grad
    g.fillRect(0, 0, 2000, 1500)
    g.fillStyle = '#fff'
    g.font = '120px sans-serif'
    g.fillText(`e2e ${h} ${Date.now()}`, 100, 700)
    return c.toDataURL('image/jpeg', 0.9).split(',')[1]!
  }, hue)
  return Buffer.from(b64, 'base64')
}

const chip = () => page.getByTestId('pending-count')

async function chipSays(text: string): Promise<void> {
  await page.locator('[data-testid="pending-count"]', { hasText: text }).waitFor({ timeout: 60_000 })
}

async function reportsOf(api: Api): Promise<ReportOut[]> {
  const body = await api.get<{ items: ReportOut[] }>('/api/v1/reports/mine')
  return body.items
}

describe('a grid worker reports with no signal', () => {
  beforeAll(async () => {
    expect(sample, 'demo/city/samples.json has a point in grid01\'s grids').toBeDefined()
    browser = await launch()
    context = await phoneContext(browser, baseUrl, { lat: sample.lat, lon: sample.lon })
    page = await context.newPage()
  })

  afterAll(async () => {
    await context?.close()
    await browser?.close()
  })

  it('queues offline, survives a reload, sends once online, and closes the loop with an offline re-check', async () => {
    const asGrid = await Api.login(baseUrl, 'grid01')
    const asDispatcher = await Api.login(baseUrl, 'dispatcher')

    // Sign in once.
    await page.goto('/')
    await page.getByTestId('login-username').locator('input').fill('grid01')
    await page.getByTestId('login-password').locator('input').fill('Demo@2026')
    await page.getByTestId('login-submit').click()
    await page.getByTestId('submit-report').waitFor()
    // The first visit installs the service worker (app shell precached) and pulls the categories.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 })
    await page.locator('.tile[data-code]').first().waitFor({ timeout: 30_000 })
    await chipSays('已全部上传')
    const before = await makeJpeg(page, 10)

    // Lose the signal, report.
    await context.setOffline(true)
    await page.getByTestId('photo-input').setInputFiles({ name: 'scene.jpg', mimeType: 'image/jpeg', buffer: before })
    await page.locator('.photo-field figure[data-sha]').first().waitFor()
    await page.getByTestId('more-categories').click()
    await page.locator('.picker input[type="search"]').fill(sample.category)
    await page.locator(`.picker .row[data-code="${sample.category}"]`).click()
    await page.locator(`.tile.on[data-code="${sample.category}"]`).waitFor()
    await page.locator('[data-testid="location-status"]', { hasText: '±8' }).waitFor()
    await page.locator('#report-note').fill('e2e：离线上报')

    // The browser is killed before the report is sent (cheap phones do this while the camera is
    // open): the half-filled form comes back — photo, category and note.
    const draftNote = () => page.evaluate(() => new Promise<string | null>((resolve) => {
      const open = indexedDB.open('civicloop')
      open.onsuccess = () => {
        const get = open.result.transaction('meta').objectStore('meta').get('report_draft')
        get.onsuccess = () => {
          resolve((get.result as { note?: string } | undefined)?.note ?? null)
          open.result.close()
        }
      }
    }))
    await expect.poll(draftNote, { timeout: 10_000 }).toBe('e2e：离线上报')
    await page.reload()
    await page.locator('.photo-field figure[data-sha]').first().waitFor()
    await page.locator(`.tile.on[data-code="${sample.category}"]`).waitFor()
    expect(await page.locator('#report-note').inputValue()).toBe('e2e：离线上报')
    await page.locator('[data-testid="location-status"]', { hasText: '±8' }).waitFor()

    await page.getByTestId('submit-report').click()
    await chipSays('待上传 1 条')

    // Reload with no signal: the app shell comes from the service worker, the outbox from IndexedDB.
    await page.reload()
    await page.getByTestId('submit-report').waitFor()
    await chipSays('待上传 1 条')
    expect(await page.locator('#report-note').inputValue()).toBe('') // sent to the outbox: no draft left
    expect(await reportsOf(asGrid)).toHaveLength(0)

    // Signal back: it goes, once.
    await context.setOffline(false)
    await chipSays('已全部上传')
    const reports = await reportsOf(asGrid)
    expect(reports).toHaveLength(1)
    const report = reports[0]!
    expect(report.category_code).toBe(sample.category)
    expect(report.ticket_id).toBeTruthy()
    const detail = await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${report.ticket_id}`)
    let ticket = detail.ticket
    expect(ticket.unit_code).toBe(sample.unit)
    expect(ticket.status).toBe('dispatched')
    expect(detail.reports.map((r) => r.id)).toEqual([report.id])

    // A later sync sends nothing twice.
    await page.reload()
    await chipSays('已全部上传')
    expect(await reportsOf(asGrid)).toHaveLength(1)
    await page.goto(`/reports/${report.id}`)
    await page.locator('[data-testid="report-status"]', { hasText: '已派遣' }).waitFor()

    // The unit signs and handles it, with an after-photo (through the API).
    const asUnit = await Api.login(baseUrl, handler.username)
    ticket = (await asUnit.post<TicketDetail>(`/api/v1/tickets/${ticket.id}/actions/sign`, { base_version: ticket.version })).ticket
    const afterSha = await asUnit.putMedia(await makeJpeg(page, 200))
    ticket = (await asUnit.post<TicketDetail>(`/api/v1/tickets/${ticket.id}/actions/handle`, { base_version: ticket.version, photos: [afterSha], note: '已清理' })).ticket
    expect(ticket.status).toBe('handled')

    // The re-check arrives in grid01's task list with the unit's after-photo.
    await page.goto('/tasks')
    await page.locator(`[data-ticket="${ticket.id}"]`).waitFor({ timeout: 60_000 })
    await page.locator(`[data-ticket="${ticket.id}"] figure[data-sha="${afterSha}"] img`).waitFor()

    // Re-check with no signal.
    await context.setOffline(true)
    await page.locator(`[data-ticket="${ticket.id}"]`).click()
    await page.getByTestId('recheck-pass').click()
    await page.getByTestId('recheck-photo-input').setInputFiles({ name: 'recheck.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(page, 300) })
    await page.locator('.photo-field figure[data-sha]').first().waitFor()
    await page.locator('#recheck-note').fill('现场已整改')
    await page.getByTestId('submit-recheck').click()
    await chipSays('待上传 1 条')
    expect((await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${ticket.id}`)).ticket.status).toBe('handled')

    await context.setOffline(false)
    await chipSays('已全部上传')
    const closed = await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${ticket.id}`)
    expect(closed.ticket.status).toBe('closed')
    expect(closed.events.map((e) => e.action)).toContain('recheck_pass')
    expect(await chip().textContent()).toContain('已全部上传')
    expect(await page.getByTestId('rejected-list').count()).toBe(0)
  })

  it('keeps queued work through a revoked session: asks to sign in again, then sends', async () => {
    const worker = users.find((u) => u.username === 'grid02')!
    const point = samples.find((s) => worker.grids?.includes(s.grid)) ?? sample
    const ctx = await phoneContext(browser, baseUrl, { lat: point.lat, lon: point.lon })
    const p = await ctx.newPage()
    try {
      await p.goto('/')
      await p.getByTestId('login-username').locator('input').fill(worker.username)
      await p.getByTestId('login-password').locator('input').fill('Demo@2026')
      await p.getByTestId('login-submit').click()
      await p.locator('.tile[data-code]').first().waitFor({ timeout: 30_000 })
      await p.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 })

      await ctx.setOffline(true)
      await p.getByTestId('photo-input').setInputFiles({ name: 'a.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(p, 90) })
      await p.locator('.photo-field figure[data-sha]').first().waitFor()
      await p.locator(`.tile[data-code="${point.category}"]`).or(p.locator('.tile[data-code]').first()).first().click()
      await p.locator('[data-testid="location-status"]', { hasText: '±8' }).waitFor()
      await p.getByTestId('submit-report').click()
      await p.locator('[data-testid="pending-count"]', { hasText: '待上传 1 条' }).waitFor()

      // Meanwhile the account's sessions are revoked, and the phone's access token runs out.
      const other = await Api.login(baseUrl, worker.username)
      await other.logoutEverywhere()
      await p.evaluate(async () => {
        const db = await new Promise<IDBDatabase>((ok, fail) => {
          const r = indexedDB.open('civicloop')
          r.onsuccess = () => ok(r.result)
          r.onerror = () => fail(r.error)
        })
        const tx = db.transaction('meta', 'readwrite')
        const store = tx.objectStore('meta')
        const s = await new Promise<Record<string, unknown>>((ok) => {
          const r = store.get('session')
          r.onsuccess = () => ok(r.result as Record<string, unknown>)
        })
        store.put({ ...s, access_expires_at: 0 }, 'session')
        await new Promise((ok) => (tx.oncomplete = ok))
        db.close()
      })

      // Back online: the refresh is refused; the work stays queued and the app asks to sign in.
      await ctx.setOffline(false)
      const banner = p.locator('[data-testid="sync-banner"]', { hasText: '登录已过期' })
      await banner.waitFor({ timeout: 60_000 })
      await p.locator('[data-testid="pending-count"]', { hasText: '待上传 1 条' }).waitFor()
      expect(await reportsOf(await Api.login(baseUrl, worker.username))).toHaveLength(0)

      await banner.click()
      await p.getByTestId('reauth-notice').waitFor()
      await p.getByTestId('login-password').locator('input').fill('Demo@2026')
      await p.getByTestId('login-submit').click()
      await p.locator('[data-testid="pending-count"]', { hasText: '已全部上传' }).waitFor({ timeout: 60_000 })
      const fresh = await Api.login(baseUrl, worker.username)
      expect(await reportsOf(fresh)).toHaveLength(1)
    } finally {
      await ctx.close()
    }
  })
})

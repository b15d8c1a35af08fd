// The desk closes the loop, against the real backend, with four browsers: grid01 reports on a
// phone; the dispatcher re-dispatches it with a rectification deadline (a stale version first:
// 409 → reload → retry); the routed unit signs and handles it on a phone through the outbox; the
// re-check fails, the unit reworks it, the re-check passes and the ticket closes; the
// supervisor's dashboard and monthly notice show it. Every desk screen is photographed at
// 390×844 and 1440×900 into test-results/screenshots/.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { components } from '../src/api/schema'
import { Api } from './api'
import { launch, phoneContext } from './browser'
import { desktopContext, shoot, signIn } from './desk-helpers'
import { repo, startBackend } from '../scripts/backend.mjs'

interface Sample { id: string; lat: number; lon: number; category: string; unit: string; grid: string; rule: string }
type ReportOut = components['schemas']['ReportPublic']
type TicketDetail = components['schemas']['TicketDetail']
interface UnitRow { unit_code: string; counts: Record<string, number> }
interface UnitStats { groups: Array<{ units: UnitRow[] }> }
interface Dashboard { totals: { counts: Record<string, number> } }

// A backend of its own (the field harness's startBackend: temporary database, migrate, seed-demo,
// serve pwa/dist), so this test and field.e2e.ts never see each other's reports.
// DESK_E2E_BASE_URL points it at a server already running instead (for development).
let baseUrl = ''
let stopBackend: (() => Promise<void>) | null = null
const shots = join(repo, 'pwa/test-results/screenshots')
const samples = JSON.parse(readFileSync(join(repo, 'demo/city/samples.json'), 'utf8')) as Sample[]
const users = JSON.parse(readFileSync(join(repo, 'demo/city/users.json'), 'utf8')) as Array<{ username: string; unit?: string; grids?: string[] }>
const grid01 = users.find((u) => u.username === 'grid01')!
// A point in grid01's grids routed (by a road duty) to a unit with a demo handler; the field test
// uses the first such sample, so take another one to stay clear of its ticket.
const candidates = samples.filter((s) => grid01.grids?.includes(s.grid) && users.some((u) => u.unit === s.unit))
const sample = candidates[candidates.length - 1]!
const handler = users.find((u) => u.unit === sample.unit)!
// Someone of another unit, for the no-access check.
const stranger = users.find((u) => u.unit && u.unit !== sample.unit && u.username !== handler.username)!

let browser: Browser
const contexts: BrowserContext[] = []

async function makeJpeg(p: Page, hue: number): Promise<Buffer> {
  const b64 = await p.evaluate((h) => {
    const c = document.createElement('canvas')
    c.width = 1200
    c.height = 900
    const g = c.getContext('2d')!
    g.fillStyle = `hsl(${h}, 60%, 45%)`
    g.fillRect(0, 0, 1200, 900)
    g.fillStyle = '#fff'
    g.font = '80px sans-serif'
    g.fillText(`desk e2e ${h} ${Date.now()}`, 60, 450)
    return c.toDataURL('image/jpeg', 0.9).split(',')[1]!
  }, hue)
  return Buffer.from(b64, 'base64')
}

function unitRow(stats: UnitStats, code: string): UnitRow {
  const row = stats.groups.flatMap((g) => g.units).find((u) => u.unit_code === code)
  if (!row) throw new Error(`no stats row for ${code}`)
  return row
}

/** Waits (up to a minute) until the server shows the ticket in `status`: the phone's outbox sends on its own time. */
async function serverStatus(api: Api, id: string, status: string): Promise<TicketDetail> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const d = await api.get<TicketDetail>(`/api/v1/tickets/${id}`)
    if (d.ticket.status === status || Date.now() > deadline) return d
    await new Promise((r) => setTimeout(r, 500))
  }
}

async function statusIs(page: Page, status: string): Promise<void> {
  await page.locator(`[data-testid="ticket-status"][data-status="${status}"]`).waitFor({ timeout: 60_000 })
}

describe('the desk closes the loop', () => {

  beforeAll(async () => {
    expect(sample, 'a demo sample in grid01\'s grids routed to a unit with a handler').toBeDefined()
    if (process.env.DESK_E2E_BASE_URL) {
      baseUrl = process.env.DESK_E2E_BASE_URL
    } else {
      const backend = await startBackend()
      baseUrl = backend.baseUrl
      stopBackend = backend.stop
    }
    browser = await launch()
  })

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await browser?.close()
    await stopBackend?.()
  })

  it('report → dispatch → sign → handle → re-check fails → rework → handle → re-check passes → closed, and the statistics show it', async () => {
    const asDispatcher = await Api.login(baseUrl, 'dispatcher')
    const asSupervisor = await Api.login(baseUrl, 'supervisor')
    const asGrid = await Api.login(baseUrl, 'grid01')
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7)
    const unitBefore = unitRow(await asSupervisor.get<UnitStats>(`/api/v1/stats/units?month=${month}`), sample.unit)
    const dashBefore = await asSupervisor.get<Dashboard>(`/api/v1/stats/dashboard?month=${month}`)

    // 1. grid01 reports on the phone (online here; the field test covers the offline case).
    const gridCtx = await phoneContext(browser, baseUrl, { lat: sample.lat, lon: sample.lon })
    contexts.push(gridCtx)
    const grid = await gridCtx.newPage()
    await signIn(grid, 'grid01')
    await grid.getByTestId('submit-report').waitFor()
    await grid.locator('.tile[data-code]').first().waitFor({ timeout: 30_000 })
    await grid.getByTestId('photo-input').setInputFiles({ name: 'scene.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(grid, 20) })
    await grid.locator('.photo-field figure[data-sha]').first().waitFor()
    await grid.getByTestId('more-categories').click()
    await grid.locator('.picker input[type="search"]').fill(sample.category)
    await grid.locator(`.picker .row[data-code="${sample.category}"]`).click()
    await grid.locator('[data-testid="location-status"]', { hasText: '±8' }).waitFor()
    const note = `desk e2e ${Date.now()}`
    await grid.locator('#report-note').fill(note)
    await grid.getByTestId('submit-report').click()
    const deadline = Date.now() + 60_000
    let mine: ReportOut | undefined
    while (!mine?.ticket_id && Date.now() < deadline) {
      mine = (await asGrid.get<{ items: ReportOut[] }>('/api/v1/reports/mine')).items.find((r) => r.description === note)
      if (!mine?.ticket_id) await new Promise((r) => setTimeout(r, 500))
    }
    expect(mine?.ticket_id).toBeTruthy()
    const ticketId = mine!.ticket_id!
    let detail = await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${ticketId}`)
    expect(detail.ticket.unit_code).toBe(sample.unit)

    // 2. The dispatcher lands on the triage queue and sets a 24 h rectification deadline (re-dispatch).
    const deskCtx = await desktopContext(browser, baseUrl)
    contexts.push(deskCtx)
    const desk = await deskCtx.newPage()
    await signIn(desk, 'dispatcher')
    await desk.waitForURL('**/desk/triage')
    await desk.getByTestId('triage-queue').waitFor()

    // A volunteer's report waits in triage for 核实: the dispatcher verifies and dispatches it from
    // the queue (desktop: the ticket opens beside the list), the unit defaulting to the suggestion.
    const asVolunteer = await Api.login(baseUrl, 'volunteer01')
    const vSha = await asVolunteer.putMedia(await makeJpeg(desk, 40))
    const vReport = await asVolunteer.post<ReportOut>('/api/v1/reports', {
      report_id: randomUUID(), category_code: '07001', lat: 32.0401, lon: 118.785, accuracy_m: 10,
      captured_at: new Date().toISOString(), description: '电线杆上小广告', photos: [vSha],
    })
    const vTicket = (await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${vReport.ticket_id}`)).ticket
    expect(vTicket.status).toBe('pending_verification')
    const vCard = desk.locator(`[data-testid="triage-queue"] [data-ticket="${vTicket.id}"]`)
    await vCard.locator('figure[data-sha] img').waitFor({ timeout: 60_000 }) // arrives by polling, with its thumbnail
    await vCard.click()
    await desk.locator('[data-action="verify"]').click()
    await desk.locator('.van-dialog__confirm').click()
    await statusIs(desk, 'filed')
    await shoot(desk, shots, '01-triage', async () => {
      await vCard.waitFor()
      if (desk.viewportSize()!.width >= 960) await desk.locator('.detail .mini path.leaflet-interactive[fill="#b71c1c"]').first().waitFor()
    })
    await statusIs(desk, 'filed')
    await desk.locator('[data-action="dispatch"]').click()
    expect(await desk.getByTestId('unit-picker').inputValue()).toBe(vTicket.suggested_unit_id)
    await desk.getByTestId('action-submit').click()
    await statusIs(desk, 'dispatched')
    await vCard.waitFor({ state: 'detached' }) // dispatched tickets leave the triage queue
    expect((await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${vTicket.id}`)).ticket.unit_id).toBe(vTicket.suggested_unit_id)
    await desk.goto(`/desk/tickets/${ticketId}`)
    await statusIs(desk, 'dispatched')
    await desk.getByTestId('routing-explanation').filter({ hasText: detail.routing!.explanation.slice(0, 8) }).waitFor()
    await desk.locator('.mini path.leaflet-interactive[fill="#b71c1c"]').first().waitFor()
    // Someone else moves the ticket on meanwhile (a supervisor's 督办 bumps its version).
    await asSupervisor.post(`/api/v1/tickets/${ticketId}/actions/urge`, { base_version: detail.ticket.version, note: 'e2e' })
    await desk.locator('[data-action="redispatch"]').click()
    const picker = desk.getByTestId('unit-picker')
    expect(await picker.inputValue()).toBe(detail.ticket.suggested_unit_id)
    await desk.locator('form[data-form="redispatch"] input[type="number"]').fill('24')
    await desk.getByTestId('action-submit').click()
    await desk.locator('.van-toast', { hasText: '已被他人更新' }).waitFor()
    await desk.locator('[data-event="urge"]').waitFor() // reloaded: the urge is in the timeline
    await desk.locator('[data-action="redispatch"]').click()
    expect(await desk.getByTestId('unit-picker').inputValue()).toBe(detail.ticket.suggested_unit_id)
    await desk.locator('form[data-form="redispatch"] input[type="number"]').fill('24')
    await desk.getByTestId('action-submit').click()
    await desk.locator('[data-event="redispatch"]').waitFor()
    await shoot(desk, shots, '02-ticket-detail', () => desk.locator('[data-event="redispatch"]').waitFor())
    detail = await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${ticketId}`)
    expect(detail.ticket.status).toBe('dispatched')
    expect(detail.ticket.unit_code).toBe(sample.unit)

    // 3. The unit signs and handles it on a phone, through the outbox.
    const unitCtx = await phoneContext(browser, baseUrl, { lat: sample.lat, lon: sample.lon })
    contexts.push(unitCtx)
    const unit = await unitCtx.newPage()
    await signIn(unit, handler.username)
    await unit.waitForURL('**/desk/inbox')
    const card = unit.locator(`[data-testid="inbox-queue"] [data-ticket="${ticketId}"]`)
    await card.locator('[data-clock="left"]').waitFor()
    await shoot(unit, shots, '03-inbox', () => card.waitFor())
    await card.click()
    await unit.waitForURL(`**/desk/tickets/${ticketId}`)
    await statusIs(unit, 'dispatched')
    await unit.locator('[data-action="sign"]').click()
    await unit.locator('.van-dialog__confirm').click()
    await statusIs(unit, 'in_progress')

    async function handle(hue: number, text: string): Promise<void> {
      await unit.locator('[data-action="handle"]').click()
      await unit.getByTestId('desk-photo-input').setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(unit, hue) })
      await unit.locator('form[data-form="handle"] figure[data-sha]').waitFor()
      await unit.locator('form[data-form="handle"] textarea[name="note"]').fill(text)
      await unit.getByTestId('action-submit').click()
      await statusIs(unit, 'handled')
    }
    await handle(120, '已清理')
    expect((await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${ticketId}`)).ticket.status).toBe('handled')
    // Back to the inbox (in-app navigation): a handled ticket is not in it.
    await unit.locator('nav a[href="/desk/inbox"]').click()
    await unit.getByTestId('inbox-queue').waitFor()
    await unit.locator(`[data-testid="inbox-queue"] [data-ticket="${ticketId}"]`).waitFor({ state: 'detached' })

    // 4. grid01's re-check fails (field app) → rework.
    async function recheck(pass: boolean, hue: number): Promise<void> {
      await grid.goto('/tasks')
      await grid.locator(`[data-ticket="${ticketId}"]`).click({ timeout: 60_000 })
      await grid.getByTestId(pass ? 'recheck-pass' : 'recheck-fail').click()
      await grid.getByTestId('recheck-photo-input').setInputFiles({ name: 'recheck.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(grid, hue) })
      await grid.locator('.photo-field figure[data-sha]').first().waitFor()
      await grid.locator('#recheck-note').fill(pass ? '现场已整改' : '仍有摊位占道')
      await grid.getByTestId('submit-recheck').click()
      await grid.waitForURL('**/tasks')
      await grid.locator('[data-testid="pending-count"]', { hasText: '已全部上传' }).waitFor({ timeout: 60_000 })
      expect(await grid.getByTestId('rejected-list').count()).toBe(0)
    }
    await recheck(false, 240)
    detail = await serverStatus(asDispatcher, ticketId, 'in_progress')
    expect(detail.ticket.status).toBe('in_progress')
    expect(detail.ticket.rework_count).toBe(1)

    // 5. The unit's open inbox gets it back by itself (ETag polling, no reload) and handles it again.
    await unit.locator(`[data-testid="inbox-queue"] [data-ticket="${ticketId}"]`).click({ timeout: 60_000 })
    await statusIs(unit, 'in_progress')
    await unit.locator('[data-event="recheck_fail"]').waitFor()
    await handle(60, '返工完成')

    // 6. The re-check passes: closed.
    await recheck(true, 300)
    detail = await serverStatus(asDispatcher, ticketId, 'closed')
    expect(detail.ticket.status).toBe('closed')
    expect(detail.events.map((e) => e.action)).toEqual(expect.arrayContaining(['redispatch', 'sign', 'handle', 'recheck_fail', 'recheck_pass']))
    await desk.reload()
    await statusIs(desk, 'closed')

    // 7. The supervisor's dashboard and monthly notice reflect it.
    const unitAfter = unitRow(await asSupervisor.get<UnitStats>(`/api/v1/stats/units?month=${month}`), sample.unit)
    const dashAfter = await asSupervisor.get<Dashboard>(`/api/v1/stats/dashboard?month=${month}`)
    expect(unitAfter.counts.closed).toBe(unitBefore.counts.closed! + 1)
    expect(unitAfter.counts.reworked).toBe(unitBefore.counts.reworked! + 1)
    expect(dashAfter.totals.counts.closed).toBe(dashBefore.totals.counts.closed! + 1)

    const supCtx = await desktopContext(browser, baseUrl)
    contexts.push(supCtx)
    const sup = await supCtx.newPage()
    await signIn(sup, 'supervisor')
    await sup.waitForURL('**/desk/overdue')
    await shoot(sup, shots, '04-overdue', () => sup.locator('.bar').waitFor())
    await sup.goto('/desk/dashboard')
    const closedTile = sup.locator('[data-tile="closed"] strong')
    await closedTile.waitFor()
    expect(await closedTile.textContent()).toBe(String(dashAfter.totals.counts.closed))
    await shoot(sup, shots, '05-dashboard', () => sup.locator('.chart canvas').first().waitFor())
    await sup.goto('/desk/notice')
    const row = sup.locator(`[data-testid="notice-table"] tr[data-unit="${sample.unit}"]`)
    await row.waitFor()
    expect(await row.locator('[data-col="closed"]').textContent()).toBe(String(unitAfter.counts.closed))
    expect(await row.locator('[data-col="reworked"]').textContent()).toBe(String(unitAfter.counts.reworked))
    const [download] = await Promise.all([sup.waitForEvent('download'), sup.getByTestId('notice-csv').click()])
    const csv = readFileSync((await download.path())!, 'utf8')
    expect(csv).toContain(unitAfter.unit_code)
    await shoot(sup, shots, '06-notice', () => row.waitFor())
    // The print layout: the table alone, no navigation, header or buttons.
    await sup.emulateMedia({ media: 'print' })
    expect(await sup.locator('.desk-nav').isVisible()).toBe(false)
    expect(await sup.locator('.app-header').isVisible()).toBe(false)
    expect(await sup.getByTestId('notice-csv').isVisible()).toBe(false)
    expect(await row.isVisible()).toBe(true)
    await sup.screenshot({ path: join(shots, '06-notice-print-1440x900.png'), fullPage: true })
    await sup.emulateMedia({ media: 'screen' })
    await sup.goto('/desk/map')
    await sup.locator('[data-testid="open-map"] .leaflet-interactive:visible').first().waitFor()
    await shoot(sup, shots, '07-map', () => sup.locator('[data-testid="open-map"] .leaflet-interactive:visible').first().waitFor())
    await sup.goto(`/desk/tickets/${ticketId}/notice`)
    await sup.getByTestId('rectify-qr').waitFor()
    await shoot(sup, shots, '08-rectify-notice', () => sup.getByTestId('rectify-qr').waitFor())
  })

  it('unit staff cannot open another unit\'s ticket (the page says so; the API answers 404)', async () => {
    // A ticket of its own (through the API, as a phone would send it), routed to sample.unit.
    const asGrid = await Api.login(baseUrl, 'grid01')
    const scratchCtx = await browser.newContext()
    contexts.push(scratchCtx)
    const sha = await asGrid.putMedia(await makeJpeg(await scratchCtx.newPage(), 90))
    const report = await asGrid.post<ReportOut>('/api/v1/reports', {
      report_id: randomUUID(), category_code: sample.category, lat: sample.lat, lon: sample.lon, accuracy_m: 5,
      captured_at: new Date().toISOString(), description: 'desk e2e: scope', photos: [sha],
    })
    const ticketId = report.ticket_id!
    expect((await (await Api.login(baseUrl, 'dispatcher')).get<TicketDetail>(`/api/v1/tickets/${ticketId}`)).ticket.unit_code).toBe(sample.unit)
    const asStranger = await Api.login(baseUrl, stranger.username)
    await expect(asStranger.get(`/api/v1/tickets/${ticketId}`)).rejects.toThrow(/HTTP 404/)
    const ctx = await phoneContext(browser, baseUrl, { lat: sample.lat, lon: sample.lon })
    contexts.push(ctx)
    const page = await ctx.newPage()
    await signIn(page, stranger.username)
    await page.goto(`/desk/tickets/${ticketId}`)
    await page.getByTestId('ticket-not-found').waitFor()
    expect(await page.getByTestId('ticket-status').count()).toBe(0)
    await shoot(page, shots, '09-no-access', () => page.getByTestId('ticket-not-found').waitFor())

    // The open ticket is on the supervisor's map, over the grid polygons.
    const supCtx = await desktopContext(browser, baseUrl)
    contexts.push(supCtx)
    const sup = await supCtx.newPage()
    await signIn(sup, 'supervisor')
    await sup.goto('/desk/map')
    const marker = sup.locator('[data-testid="open-map"] path.leaflet-interactive[fill="#0d47a1"], [data-testid="open-map"] path.leaflet-interactive[fill="#b71c1c"]')
    await marker.first().waitFor()
    // Every open ticket in scope is on it (the list used to stop at 100), and the legend counts them.
    const onMap = await (await Api.login(baseUrl, 'supervisor')).get<{ total: number; items: unknown[] }>('/api/v1/queues/map')
    await sup.getByTestId('map-count').filter({ hasText: `在办 ${onMap.total} 件` }).waitFor()
    expect(await marker.count()).toBe(onMap.items.length)
    await shoot(sup, shots, '07-map-open', () => marker.first().waitFor())
  })

  it('unit staff ask for an extension and return a ticket (outbox); the dispatcher approves and re-dispatches from triage', async () => {
    const other = candidates.find((c) => c.unit !== sample.unit)!
    const otherHandler = users.find((u) => u.unit === other.unit)!
    const asGrid = await Api.login(baseUrl, 'grid01')
    const asDispatcher = await Api.login(baseUrl, 'dispatcher')
    const scratch = await browser.newContext()
    contexts.push(scratch)
    const sha = await asGrid.putMedia(await makeJpeg(await scratch.newPage(), 150))
    const report = await asGrid.post<ReportOut>('/api/v1/reports', {
      report_id: randomUUID(), category_code: other.category, lat: other.lat, lon: other.lon, accuracy_m: 5,
      captured_at: new Date().toISOString(), description: 'desk e2e: extension and return', photos: [sha],
    })
    const id = report.ticket_id!
    const before = (await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${id}`)).ticket
    expect(before.status).toBe('dispatched')
    expect(before.unit_code).toBe(other.unit)

    // The unit asks for 8 more hours (through the outbox).
    const unitCtx = await phoneContext(browser, baseUrl, { lat: other.lat, lon: other.lon })
    contexts.push(unitCtx)
    const unit = await unitCtx.newPage()
    await signIn(unit, otherHandler.username)
    await unit.goto(`/desk/tickets/${id}`)
    await statusIs(unit, 'dispatched')
    await unit.locator('[data-action="request_extension"]').click()
    await unit.locator('form[data-form="request_extension"] input[name="hours"]').fill('8')
    await unit.locator('form[data-form="request_extension"] textarea[name="reason"]').fill('需协调产权单位')
    await unit.getByTestId('action-submit').click()
    await unit.locator('.ext').waitFor({ timeout: 60_000 }) // the sent request is back in the detail

    // The dispatcher finds it under 延期申请 and approves it.
    const deskCtx = await desktopContext(browser, baseUrl)
    contexts.push(deskCtx)
    const desk = await deskCtx.newPage()
    await signIn(desk, 'dispatcher')
    await desk.goto('/desk/triage?f=extension')
    await desk.locator(`[data-testid="triage-queue"] [data-ticket="${id}"]`).click()
    await desk.locator('[data-action="approve_extension"]').click()
    await desk.getByTestId('action-submit').click()
    await desk.locator('[data-event="approve_extension"]').waitFor()
    const extended = (await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${id}`)).ticket
    expect(Date.parse(extended.due_at!)).toBeGreaterThan(Date.parse(before.due_at!))
    expect(extended.extension_count).toBe(1)

    // The unit says it is not theirs; the dispatcher re-dispatches it to the 城管 squad.
    await unit.reload()
    await unit.locator('[data-action="return"]').click()
    await unit.locator('form[data-form="return"] textarea[name="reason"]').fill('非本单位职责')
    await unit.getByTestId('action-submit').click()
    expect((await serverStatus(asDispatcher, id, 'returned')).ticket.status).toBe('returned')
    await desk.goto('/desk/triage?f=returned')
    await desk.locator(`[data-testid="triage-queue"] [data-ticket="${id}"]`).click({ timeout: 60_000 })
    await desk.locator('[data-action="redispatch"]').click()
    const target = (await asDispatcher.get<{ items: Array<{ id: string; code: string }> }>('/api/v1/units?limit=100')).items
      .find((u) => u.code !== other.unit && u.code.startsWith('CM-'))!
    await desk.getByTestId('unit-picker').selectOption(target.id)
    await desk.getByTestId('action-submit').click()
    await statusIs(desk, 'dispatched')
    const redispatched = (await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${id}`)).ticket
    expect(redispatched.unit_code).toBe(target.code)
    expect(redispatched.return_count).toBe(1)
  })

  it('the dispatcher rejects and merges from triage; the supervisor urges (督办); the unit reads it under 消息', async () => {
    // Three volunteer reports of one category near a demo road duty (RD-001 → ZW-CENTER), each
    // beyond the 30 m join distance: one is junk, two are the same problem seen twice.
    const site = samples.find((s) => s.id === 'S05')!
    const unitUser = users.find((u) => u.unit === site.unit)!
    const asVolunteer = await Api.login(baseUrl, 'volunteer01')
    const asDispatcher = await Api.login(baseUrl, 'dispatcher')
    const scratch = await browser.newContext()
    contexts.push(scratch)
    const scratchPage = await scratch.newPage()
    async function volunteerReport(dLat: number, description: string, hue: number): Promise<string> {
      const sha = await asVolunteer.putMedia(await makeJpeg(scratchPage, hue))
      const r = await asVolunteer.post<ReportOut>('/api/v1/reports', {
        report_id: randomUUID(), category_code: site.category, lat: site.lat + dLat, lon: site.lon, accuracy_m: 8,
        captured_at: new Date().toISOString(), description, photos: [sha],
      })
      return r.ticket_id!
    }
    const first = await volunteerReport(0, '人行道堆放杂物', 300)
    const duplicate = await volunteerReport(0.00045, '人行道堆放杂物（另一角度）', 320)
    const junk = await volunteerReport(0.0009, '测试误报', 340)
    for (const id of [first, duplicate, junk]) {
      expect((await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${id}`)).ticket.status).toBe('pending_verification')
    }

    const deskCtx = await desktopContext(browser, baseUrl)
    contexts.push(deskCtx)
    const desk = await deskCtx.newPage()
    await signIn(desk, 'dispatcher')
    const card = (id: string) => desk.locator(`[data-testid="triage-queue"] [data-ticket="${id}"]`)

    // 不予立案, with a reason.
    await desk.goto('/desk/triage?f=new')
    await card(junk).click({ timeout: 60_000 })
    await desk.locator('[data-action="reject"]').click()
    await desk.locator('form[data-form="reject"] textarea[name="reason"]').fill('现场核实无此问题')
    await desk.getByTestId('action-submit').click()
    await statusIs(desk, 'rejected')
    const rejected = await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${junk}`)
    expect(rejected.events.at(-1)).toMatchObject({ action: 'reject', reason: '现场核实无此问题' })
    await card(junk).waitFor({ state: 'detached' })

    // 合并: the second sighting joins the first ticket.
    await card(duplicate).click()
    await desk.locator('[data-action="merge"]').click()
    // The candidates are the open tickets of the category around it, nearest first, with metres.
    const nearest = desk.locator('form[data-form="merge"] select[name="into"] option').first()
    expect(await nearest.getAttribute('value')).toBe(first)
    expect(await nearest.textContent()).toContain('50 米')
    await desk.locator('form[data-form="merge"] select[name="into"]').selectOption(first)
    await desk.getByTestId('action-submit').click()
    await statusIs(desk, 'merged')
    expect((await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${duplicate}`)).ticket.merged_into_id).toBe(first)
    let target = (await asDispatcher.get<TicketDetail>(`/api/v1/tickets/${first}`)).ticket
    expect(target.report_count).toBe(2)

    // Verified and dispatched (through the API: the browser path is the first test's), then urged
    // from the ticket page by the supervisor.
    target = (await asDispatcher.post<TicketDetail>(`/api/v1/tickets/${first}/actions/verify`, { base_version: target.version })).ticket
    target = (await asDispatcher.post<TicketDetail>(`/api/v1/tickets/${first}/actions/dispatch`,
      { base_version: target.version, unit_id: target.suggested_unit_id })).ticket
    expect(target.unit_code).toBe(site.unit)
    const supCtx = await desktopContext(browser, baseUrl)
    contexts.push(supCtx)
    const sup = await supCtx.newPage()
    await signIn(sup, 'supervisor')
    await sup.goto(`/desk/tickets/${first}`)
    await statusIs(sup, 'dispatched')
    await sup.locator('[data-action="urge"]').click()
    await sup.locator('form[data-form="urge"] textarea[name="note"]').fill('请今日内清理')
    await sup.getByTestId('action-submit').click()
    await sup.locator('[data-event="urge"]').waitFor()

    // The unit's phone: the bell counts the dispatch and the urge; the 督办 opens the ticket.
    const unitCtx = await phoneContext(browser, baseUrl, { lat: site.lat, lon: site.lon })
    contexts.push(unitCtx)
    const unit = await unitCtx.newPage()
    await signIn(unit, unitUser.username)
    const bell = unit.getByTestId('notification-bell')
    await unit.locator('[data-testid="notification-bell"]:not([data-unread="0"])').waitFor({ timeout: 60_000 })
    await bell.click()
    await unit.waitForURL('**/notifications')
    const urged = unit.locator(`[data-kind="urge"][data-ticket="${first}"]`)
    await urged.waitFor()
    expect(await urged.textContent()).toContain('请今日内清理')
    expect(await unit.locator(`[data-kind="dispatch"][data-ticket="${first}"]`).count()).toBe(1)
    // 消息 keeps the desk navigation (the unit goes on to its inbox from here), not the field tab bar.
    await unit.locator('.desk-nav a[href="/desk/inbox"]').waitFor()
    expect(await unit.locator('nav.tabbar').count()).toBe(0)
    await shoot(unit, shots, '10-notifications', () => urged.waitFor())
    await urged.click()
    await unit.waitForURL(`**/desk/tickets/${first}`)
    await statusIs(unit, 'dispatched')
    await unit.locator('[data-event="urge"]').waitFor()
    await unit.goto('/notifications')
    await unit.locator(`[data-kind="urge"][data-ticket="${first}"]:not(.unread)`).waitFor()
    await unit.getByTestId('notifications-read-all').click()
    await unit.locator('[data-testid="notification-bell"][data-unread="0"]').waitFor()
    await unit.locator('[data-notification].unread').first().waitFor({ state: 'detached' })
  })
})

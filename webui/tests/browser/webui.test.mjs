// Browser tests: Debian's chromium (playwright-core) against a real plikd serving webui/dist.
// Run: PLIKD=/path/to/plikd node --test tests/browser/   (scripts/webui.sh test does it)
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { startPlikd, launchBrowser, shot, randomBytes } from './lib.mjs'

let srv
let browser

before(async () => {
  srv = await startPlikd()
  browser = await launchBrowser()
})
after(async () => {
  if (browser) await browser.close()
  if (srv) await srv.stop()
})

async function newPage(viewport = { width: 1100, height: 900 }, opts = {}) {
  const ctx = await browser.newContext({ viewport, acceptDownloads: true, ...opts })
  const page = await ctx.newPage()
  page.errors = []
  page.on('pageerror', (e) => page.errors.push(e.message))
  return page
}

function fileSpec(name, buf, mimeType = 'application/octet-stream') {
  return { name, mimeType, buffer: buf }
}

// Uploads through the page, returns the upload id once every file is uploaded.
async function waitUploaded(page, count) {
  await page.waitForSelector('[data-test=upload-view]')
  await page.waitForFunction(
    (n) => {
      const st = [...document.querySelectorAll('[data-test=file-status]')].map((e) => e.textContent.trim())
      return st.length === n && st.every((s) => s === 'Available')
    },
    count,
    { timeout: 30000 },
  )
  return new URL(page.url()).hash.match(/id=([A-Za-z0-9]+)/)[1]
}

async function downloadVia(page, fileName) {
  const li = page.locator('li.file', { has: page.locator('[data-test=file-name]', { hasText: fileName }) })
  const [dl] = await Promise.all([page.waitForEvent('download'), li.locator('[data-test=download]').click()])
  const path = await dl.path()
  return { name: dl.suggestedFilename(), bytes: readFileSync(path) }
}

test('upload two files with the file picker, download them from a second context', async () => {
  const a = randomBytes(300_000, 1)
  const b = Buffer.from('hello plik\n'.repeat(100))
  const page = await newPage()
  await page.goto(srv.url + '/')
  await page.setInputFiles('[data-test=file-input]', [fileSpec('a.bin', a), fileSpec('b.txt', b, 'text/plain')])
  await page.waitForFunction(() => document.querySelectorAll('[data-test=pending] li').length === 2)
  await shot(page, '01-create-two-files')
  await page.click('[data-test=upload]')
  const id = await waitUploaded(page, 2)
  await shot(page, '02-upload-admin-view')
  // admin sees delete + add buttons
  assert.equal(await page.locator('[data-test=add-files]').count(), 1)
  assert.equal(await page.locator('[data-test=delete-file]').count(), 2)

  const other = await newPage()
  await other.goto(`${srv.url}/#/?id=${id}`)
  await waitUploaded(other, 2)
  assert.equal(await other.locator('[data-test=delete-file]').count(), 0, 'visitor cannot delete')
  assert.equal(await other.locator('[data-test=add-files]').count(), 0, 'visitor cannot add')
  const da = await downloadVia(other, 'a.bin')
  assert.equal(da.name, 'a.bin')
  assert.ok(da.bytes.equals(a), 'a.bin bytes differ')
  const db = await downloadVia(other, 'b.txt')
  assert.ok(db.bytes.equals(b), 'b.txt bytes differ')
  // zip archive link
  const zipHref = await other.locator('[data-test=zip]').getAttribute('href')
  const zip = Buffer.from(await (await fetch(zipHref)).arrayBuffer())
  assert.equal(zip.subarray(0, 2).toString(), 'PK')
  await shot(other, '03-download-view')
  assert.deepEqual(page.errors.concat(other.errors), [])
  // The admin adds a third file to the existing upload.
  await page.setInputFiles('[data-test=add-input]', [fileSpec('c.txt', Buffer.from('third'), 'text/plain')])
  await waitUploaded(page, 3)
  await page.context().close()
  await other.context().close()
})

test('drag and drop two files, then the admin deletes one', async () => {
  const page = await newPage()
  await page.goto(srv.url + '/')
  const dt = await page.evaluateHandle(() => {
    const d = new DataTransfer()
    d.items.add(new File(['first dropped file'], 'drop1.txt', { type: 'text/plain' }))
    d.items.add(new File([new Uint8Array([0, 1, 2, 3, 250, 251])], 'drop2.bin'))
    return d
  })
  await page.dispatchEvent('[data-test=dropzone]', 'dragover', { dataTransfer: dt })
  await page.dispatchEvent('[data-test=dropzone]', 'drop', { dataTransfer: dt })
  await page.waitForFunction(() => document.querySelectorAll('[data-test=pending] li').length === 2)
  await page.click('[data-test=upload]')
  const id = await waitUploaded(page, 2)
  const up = await (await fetch(`${srv.url}/upload/${id}`)).json()
  const f2 = up.files.find((f) => f.fileName === 'drop2.bin')
  const bytes = Buffer.from(await (await fetch(`${srv.url}/file/${id}/${f2.id}/drop2.bin`)).arrayBuffer())
  assert.deepEqual([...bytes], [0, 1, 2, 3, 250, 251])
  page.on('dialog', (d) => d.accept())
  const li = page.locator('li.file', { has: page.locator('[data-test=file-name]', { hasText: 'drop1.txt' }) })
  await li.locator('[data-test=delete-file]').click()
  await page.waitForFunction(() => [...document.querySelectorAll('[data-test=file-status]')].some((e) => e.textContent.trim() === 'Removed' || e.textContent.trim() === 'Deleted'))
  await shot(page, '04-after-delete')
  await page.context().close()
})

test('paste text as a file', async () => {
  const page = await newPage()
  await page.goto(srv.url + '/')
  await page.click('[data-test=add-text]')
  await page.fill('[data-test=text-content]', 'some pasted text')
  await page.click('[data-test=text-add]')
  await page.click('[data-test=upload]')
  const id = await waitUploaded(page, 1)
  const up = await (await fetch(`${srv.url}/upload/${id}`)).json()
  assert.equal(up.files[0].fileName, 'paste.txt')
  const body = await (await fetch(`${srv.url}/file/${id}/${up.files[0].id}/paste.txt`)).text()
  assert.equal(body, 'some pasted text')
  // the admin adds more text to the existing upload: paste.1.txt
  await page.click('[data-test=add-text]')
  await page.fill('[data-test=text-content]', 'more text')
  await page.click('[data-test=text-add]')
  await waitUploaded(page, 2)
  const up2 = await (await fetch(`${srv.url}/upload/${id}`)).json()
  const f2 = up2.files.find((f) => f.fileName === 'paste.1.txt')
  assert.ok(f2, 'paste.1.txt missing: ' + up2.files.map((f) => f.fileName))
  assert.equal(await (await fetch(`${srv.url}/file/${id}/${f2.id}/paste.1.txt`)).text(), 'more text')
  await page.context().close()
})

test('oneShot: second download gets the error page', async () => {
  const data = randomBytes(5000, 7)
  const page = await newPage()
  await page.goto(srv.url + '/')
  await page.setInputFiles('[data-test=file-input]', [fileSpec('once.bin', data)])
  await page.check('[data-test=opt-oneshot]')
  await page.click('[data-test=upload]')
  const id = await waitUploaded(page, 1)
  assert.match(await page.locator('.badges').innerText(), /One shot/)
  const other = await newPage()
  await other.goto(`${srv.url}/#/?id=${id}`)
  await waitUploaded(other, 1)
  const href = await other.locator('[data-test=download]').getAttribute('href')
  const d = await downloadVia(other, 'once.bin')
  assert.ok(d.bytes.equals(data))
  // Second visit of the same link: the server redirects browsers to the UI error page.
  const third = await newPage()
  await third.goto(href.replace(/\?dl=1$/, ''))
  await third.waitForSelector('[data-test=error-page]')
  const text = await third.locator('[data-test=error-page]').innerText()
  assert.match(text, /404/)
  assert.match(text, /not available/)
  await shot(third, '05-oneshot-error-page')
  await third.locator('text=See the upload').click()
  await third.waitForSelector('[data-test=upload-view]')
  for (const p of [page, other, third]) await p.context().close()
})

test('password-protected upload asks for the password', async () => {
  const data = Buffer.from('secret content')
  const page = await newPage()
  await page.goto(srv.url + '/')
  await page.setInputFiles('[data-test=file-input]', [fileSpec('secret.txt', data, 'text/plain')])
  await page.check('[data-test=opt-password]')
  await page.fill('[data-test=login]', 'alice')
  await page.fill('[data-test=password]', 's3cret')
  await page.click('[data-test=upload]')
  const id = await waitUploaded(page, 1) // admin (upload token) bypasses the password
  const other = await newPage()
  await other.goto(`${srv.url}/#/?id=${id}`)
  await other.waitForSelector('[data-test=password-form]')
  await shot(other, '06-password-prompt')
  await other.fill('[data-test=unlock-login]', 'alice')
  await other.fill('[data-test=unlock-password]', 'wrong')
  await other.click('[data-test=unlock]')
  await other.waitForSelector('[data-test=wrong-password]')
  await other.fill('[data-test=unlock-password]', 's3cret')
  await other.click('[data-test=unlock]')
  await waitUploaded(other, 1)
  const up = await (await fetch(`${srv.url}/upload/${id}`, { headers: { Authorization: 'Basic ' + Buffer.from('alice:s3cret').toString('base64') } })).json()
  const r = await fetch(`${srv.url}/file/${id}/${up.files[0].id}/secret.txt`, { headers: { Authorization: 'Basic ' + Buffer.from('alice:s3cret').toString('base64') } })
  assert.equal(await r.text(), 'secret content')
  // After unlocking in the page, the plain download link works without the browser's prompt.
  const d = await downloadVia(other, 'secret.txt')
  assert.ok(d.bytes.equals(data))
  await shot(other, '06b-password-unlocked')
  for (const p of [page, other]) await p.context().close()
})

test('stream from the page, received by curl', async () => {
  const data = randomBytes(3_000_000, 3)
  const page = await newPage()
  await page.goto(srv.url + '/')
  await page.setInputFiles('[data-test=file-input]', [fileSpec('stream.bin', data)])
  await page.check('[data-test=opt-stream]')
  await page.click('[data-test=upload]')
  await page.waitForSelector('[data-test=upload-view]')
  await page.waitForSelector('[data-test=qr]')
  await page.waitForSelector('text=Waiting for the downloader', { timeout: 15000 })
  await shot(page, '07-stream-waiting')
  const id = new URL(page.url()).hash.match(/id=([A-Za-z0-9]+)/)[1]
  const up = await (await fetch(`${srv.url}/upload/${id}`)).json()
  assert.equal(up.stream, true)
  const url = `${srv.url}/stream/${id}/${up.files[0].id}/stream.bin`
  const received = await new Promise((resolve, reject) => {
    const chunks = []
    const c = spawn('curl', ['-s', '-f', '--max-time', '60', url])
    c.stdout.on('data', (d) => chunks.push(d))
    c.on('exit', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error('curl exit ' + code))))
  })
  assert.equal(received.length, data.length)
  assert.ok(received.equals(data), 'streamed bytes differ')
  await page.waitForFunction(() => [...document.querySelectorAll('[data-test=file-status]')].some((e) => e.textContent.trim() === 'Sent'), null, { timeout: 15000 })
  await shot(page, '08-stream-done')
  await page.context().close()
})

test('markdown comments and file names cannot inject script', async () => {
  const evil = '**bold** <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> [x](javascript:window.__xss=3)'
  const page = await newPage()
  await page.goto(srv.url + '/')
  await page.setInputFiles('[data-test=file-input]', [fileSpec('<img src=x onerror=window.__xss=4>.txt', Buffer.from('x'), 'text/plain')])
  await page.fill('[data-test=comments]', evil)
  await page.waitForSelector('[data-test=preview] strong')
  await page.click('[data-test=upload]')
  const id = await waitUploaded(page, 1)
  const other = await newPage()
  await other.goto(`${srv.url}/#/?id=${id}`)
  await waitUploaded(other, 1)
  await other.waitForSelector('[data-test=comments] strong')
  await other.waitForTimeout(300)
  for (const p of [page, other]) {
    assert.equal(await p.evaluate(() => window.__xss), undefined, 'script executed')
    assert.equal(await p.locator('[data-test=comments] script, [data-test=comments] [onerror]').count(), 0)
  }
  const jsLinks = await other.locator('[data-test=comments] a').evaluateAll((as) => as.map((a) => a.getAttribute('href') || ''))
  assert.ok(jsLinks.every((h) => !/^javascript:/i.test(h)), 'javascript: link kept: ' + jsLinks)
  assert.equal(await other.locator('[data-test=file-name]').innerText(), '<img src=x onerror=window.__xss=4>.txt')
  await shot(other, '09-xss-safe')
  await page.context().close()
  await other.context().close()
})

test('phone viewport 360 px: no horizontal scroll, French, dark theme', async () => {
  const page = await newPage({ width: 360, height: 740 }, { isMobile: true, hasTouch: true })
  await page.goto(srv.url + '/')
  await page.waitForSelector('[data-test=upload]')
  await page.setInputFiles('[data-test=file-input]', [fileSpec('a-file-with-a-rather-long-name-for-a-small-phone-screen.txt', Buffer.from('phone'))])
  await page.selectOption('[data-test=locale]', 'fr')
  await page.selectOption('[data-test=theme]', 'dark')
  assert.equal((await page.locator('[data-test=upload]').innerText()).trim(), 'Envoyer')
  assert.equal(await page.locator('[data-test=pending] li').count(), 1, 'switching language lost the selected files')
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr')
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
  assert.notEqual(bg, 'rgb(244, 246, 250)', 'dark theme not applied')
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'horizontal overflow on create page')
  await shot(page, '10-phone-create')
  await page.click('[data-test=upload]')
  await page.waitForSelector('[data-test=upload-view]')
  await page.waitForFunction(() => [...document.querySelectorAll('[data-test=file-status]')].some((e) => e.textContent.trim() === 'Disponible'))
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'horizontal overflow on upload page')
  await shot(page, '11-phone-upload')
  await page.context().close()
})

test('closing the tab while streaming cancels the stream on the server', async () => {
  const page = await newPage()
  await page.goto(srv.url + '/')
  await page.setInputFiles('[data-test=file-input]', [fileSpec('never.bin', randomBytes(2_000_000, 9))])
  await page.check('[data-test=opt-stream]')
  await page.click('[data-test=upload]')
  await page.waitForSelector('text=Waiting for the downloader', { timeout: 15000 })
  const id = new URL(page.url()).hash.match(/id=([A-Za-z0-9]+)/)[1]
  const status = async () => (await (await fetch(`${srv.url}/upload/${id}`)).json()).files[0].status
  assert.equal(await status(), 'uploading')
  await page.close({ runBeforeUnload: false })
  let st = 'uploading'
  for (let i = 0; i < 50 && st === 'uploading'; i++) {
    await new Promise((r) => setTimeout(r, 200))
    st = await status()
  }
  assert.notEqual(st, 'uploading', 'stream still blocked after the tab was closed')
  await page.context().close()
})

test('works under a Path prefix (/root)', async () => {
  const s2 = await startPlikd('Path = "/root"')
  try {
    const page = await newPage()
    await page.goto(s2.url + '/root')
    await page.waitForSelector('[data-test=upload]')
    const data = randomBytes(10_000, 5)
    await page.setInputFiles('[data-test=file-input]', [fileSpec('p.bin', data)])
    await page.click('[data-test=upload]')
    const id = await waitUploaded(page, 1)
    assert.ok(page.url().startsWith(s2.url + '/root/#/?id='), page.url())
    const href = await page.locator('[data-test=download]').getAttribute('href')
    assert.ok(href.startsWith(`${s2.url}/root/file/${id}/`), href)
    const d = await downloadVia(page, 'p.bin')
    assert.ok(d.bytes.equals(data))
    // download error redirect keeps the prefix
    await page.goto(`${s2.url}/root/file/${id}/nosuchfileid0000/p.bin`)
    await page.waitForSelector('[data-test=error-page]')
    assert.ok(page.url().startsWith(s2.url + '/root/#/?err='), page.url())
    await page.context().close()
  } finally {
    await s2.stop()
  }
})

// Every control has an accessible name; the main colour pairs meet WCAG AA (4.5:1) in both themes;
// the file chooser is reachable with the keyboard.
test('accessibility: labels, contrast, keyboard', async () => {
  const page = await newPage()
  // Listen early: playwright turns file chooser interception on asynchronously.
  let gotChooser
  const chooserP = new Promise((r) => (gotChooser = r))
  page.on('filechooser', (fc) => gotChooser(fc))
  await page.goto(srv.url + '/')
  await page.waitForSelector('[data-test=upload]')
  await page.setInputFiles('[data-test=file-input]', [fileSpec('k.txt', Buffer.from('k'), 'text/plain')])
  await page.check('[data-test=opt-password]')
  await page.fill('[data-test=comments]', 'hello')
  const unnamed = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button, a[href]')]
        .filter((el) => !el.closest('dialog:not([open])'))
        .filter((el) => {
          const name =
            el.getAttribute('aria-label') ||
            (el.labels && [...el.labels].map((l) => l.textContent).join('').trim()) ||
            el.textContent.trim() ||
            el.getAttribute('title')
          return !name
        })
        .map((el) => el.outerHTML.slice(0, 100)),
    )
  assert.deepEqual(await unnamed(), [], 'controls without accessible name on the upload form')
  const contrast = () =>
    page.evaluate(() => {
      const rgb = (s) => s.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number)
      const lum = (c) => {
        const [r, g, b] = c.map((v) => {
          v /= 255
          return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
        })
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
      }
      const ratio = (a, b) => {
        const [l1, l2] = [lum(rgb(a)), lum(rgb(b))].sort((x, y) => y - x)
        return (l1 + 0.05) / (l2 + 0.05)
      }
      const cs = (sel) => getComputedStyle(document.querySelector(sel))
      const card = cs('.card').backgroundColor
      return {
        body: ratio(cs('body').color, cs('body').backgroundColor),
        muted: ratio(cs('.muted').color, card),
        link: ratio(cs('.linkish').color, card),
        primary: ratio(cs('.btn.primary').color, cs('.btn.primary').backgroundColor),
      }
    })
  for (const themeName of ['light', 'dark']) {
    await page.selectOption('[data-test=theme]', themeName)
    const c = await contrast()
    for (const [k, v] of Object.entries(c)) assert.ok(v >= 4.5, `${themeName} ${k} contrast ${v.toFixed(2)} < 4.5`)
  }
  // keyboard: Tab to "choose files", Enter opens the file chooser
  await page.focus('[data-test=locale]')
  let found = false
  for (let i = 0; i < 10 && !found; i++) {
    await page.keyboard.press('Tab')
    found = await page.evaluate(() => document.activeElement && document.activeElement.dataset.test === 'pick')
  }
  assert.ok(found, 'choose files not reachable with Tab')
  await page.keyboard.press('Enter')
  const chooser = await Promise.race([chooserP, new Promise((r) => setTimeout(() => r(null), 15000))])
  assert.ok(chooser, 'Enter on "choose files" did not open the file chooser')
  assert.ok(chooser.isMultiple())
  await page.context().close()
  // upload page of an admin
  const p2 = await newPage()
  await p2.goto(srv.url + '/')
  await p2.setInputFiles('[data-test=file-input]', [fileSpec('k.txt', Buffer.from('k'), 'text/plain')])
  await p2.click('[data-test=upload]')
  await waitUploaded(p2, 1)
  const names2 = await p2.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button, a[href]')]
      .filter((el) => !el.closest('dialog:not([open])'))
      .filter((el) => !(el.getAttribute('aria-label') || (el.labels && [...el.labels].map((l) => l.textContent).join('').trim()) || el.textContent.trim() || el.getAttribute('title')))
      .map((el) => el.outerHTML.slice(0, 100)),
  )
  assert.deepEqual(names2, [], 'controls without accessible name on the upload page')
  await p2.context().close()
})

test('progress with rate, then cancel one file (throttled network)', async () => {
  const page = await newPage()
  const cdp = await page.context().newCDPSession(page)
  await page.goto(srv.url + '/')
  await page.setInputFiles('[data-test=file-input]', [fileSpec('slow.bin', randomBytes(1_500_000, 11)), fileSpec('small.txt', Buffer.from('small'), 'text/plain')])
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 150_000 })
  await page.click('[data-test=upload]')
  await page.waitForSelector('[data-test=upload-view]')
  const label = page.locator('li.file', { has: page.locator('[data-test=file-name]', { hasText: 'slow.bin' }) }).locator('.progress-label')
  await page.waitForFunction(
    (el) => /Sending [1-9]\d?% · .* · [1-9][\d.]* (KB|MB)\/s/.test(el.textContent),
    await label.elementHandle(),
    { timeout: 20000 },
  )
  await shot(page, '12-progress')
  const id = new URL(page.url()).hash.match(/id=([A-Za-z0-9]+)/)[1]
  await page.locator('[data-test=cancel]').first().click()
  await page.waitForFunction(() => [...document.querySelectorAll('.progress-label')].some((e) => e.textContent.includes('Cancelled')) ||
    [...document.querySelectorAll('[data-test=file-status]')].some((e) => /Removed|Deleted|Waiting for upload/.test(e.textContent)))
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
  let files = []
  for (let i = 0; i < 50; i++) {
    files = (await (await fetch(`${srv.url}/upload/${id}`, { headers: { 'X-UploadToken': await page.evaluate((u) => JSON.parse(localStorage.getItem('plik-upload-tokens'))[u], id) } })).json()).files
    const slow = files.find((f) => f.fileName === 'slow.bin')
    const small = files.find((f) => f.fileName === 'small.txt')
    if (slow.status !== 'uploading' && small.status === 'uploaded') break
    await new Promise((r) => setTimeout(r, 200))
  }
  assert.notEqual(files.find((f) => f.fileName === 'slow.bin').status, 'uploaded')
  assert.notEqual(files.find((f) => f.fileName === 'slow.bin').status, 'uploading')
  assert.equal(files.find((f) => f.fileName === 'small.txt').status, 'uploaded')
  await page.context().close()
})

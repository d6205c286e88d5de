import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest'
import { mount, flush, baseConfig, jsonResponse } from './helpers.js'
import { setLocale } from '../../src/i18n.js'
import { saveUploadToken } from '../../src/api.js'
import { transfers } from '../../src/transfers.js'
import CreateView from '../../src/components/CreateView.vue'
import UploadView from '../../src/components/UploadView.vue'
import ErrorView from '../../src/components/ErrorView.vue'
import ProgressBar from '../../src/components/ProgressBar.vue'

// Fake XMLHttpRequest recording what the app sends; tests drive progress/load by hand.
class FakeXHR {
  static all = []
  constructor() {
    this.upload = {}
    this.headers = {}
    FakeXHR.all.push(this)
  }
  open(method, url) {
    this.method = method
    this.url = url
  }
  setRequestHeader(k, v) {
    this.headers[k] = v
  }
  send(body) {
    this.body = body
  }
  abort() {
    this.aborted = true
    this.onabort && this.onabort()
  }
  respond(status, obj) {
    this.status = status
    this.responseText = typeof obj === 'string' ? obj : JSON.stringify(obj)
    this.onload()
  }
}

let mounted
beforeEach(() => {
  setLocale('en')
  FakeXHR.all = []
  vi.stubGlobal('XMLHttpRequest', FakeXHR)
  window.location.hash = ''
})
afterEach(() => {
  if (mounted) mounted.unmount()
  mounted = null
  vi.unstubAllGlobals()
  for (const k of Object.keys(transfers)) delete transfers[k]
})

const q = (sel) => document.querySelector(sel)
const qa = (sel) => [...document.querySelectorAll(sel)]

describe('CreateView', () => {
  it('shows options according to the feature flags', async () => {
    mounted = mount(CreateView, {
      config: { ...baseConfig, feature_one_shot: 'disabled', feature_removable: 'forced', feature_stream: 'default', feature_comments: 'disabled' },
    })
    await flush()
    expect(q('[data-test=opt-oneshot]')).toBeNull()
    expect(q('[data-test=opt-removable]').checked).toBe(true)
    expect(q('[data-test=opt-removable]').disabled).toBe(true)
    expect(q('[data-test=opt-stream]').checked).toBe(true)
    expect(q('[data-test=opt-stream]').disabled).toBe(false)
    expect(q('[data-test=comments]')).toBeNull()
    expect(q('[data-test=opt-password]').checked).toBe(false)
  })

  it('limits the TTL to maxTTL and offers "never" only without a max', async () => {
    mounted = mount(CreateView, { config: { ...baseConfig, defaultTTL: 3600, maxTTL: 86400 } })
    await flush()
    const unit = q('[data-test=ttl-unit]')
    expect(unit.value).toBe('hours')
    expect([...unit.options].map((o) => o.value)).not.toContain('never')
    const v = q('[data-test=ttl-value]')
    v.value = '48'
    v.dispatchEvent(new Event('input'))
    await flush()
    expect(document.body.textContent).toContain('Maximum allowed expiration: 1 day')
    expect(q('[data-test=upload]').disabled).toBe(false)
    mounted.unmount()
    mounted = mount(CreateView, { config: { ...baseConfig, maxTTL: 0 } })
    await flush()
    expect([...q('[data-test=ttl-unit]').options].map((o) => o.value)).toContain('never')
  })

  it('live-previews comments as sanitised markdown', async () => {
    mounted = mount(CreateView, { config: baseConfig })
    await flush()
    const ta = q('[data-test=comments]')
    ta.value = '# Title\n<img src=x onerror="window.__bad=1">'
    ta.dispatchEvent(new Event('input'))
    await flush()
    expect(q('[data-test=preview] h1').textContent).toBe('Title')
    expect(q('[data-test=preview]').innerHTML).not.toContain('onerror')
  })

  it('creates the upload then sends each file by XHR multipart with the upload token', async () => {
    const fetchMock = vi.fn(async (url, init) => {
      expect(url).toMatch(/\/upload$/)
      const body = JSON.parse(init.body)
      expect(body.oneShot).toBe(true)
      expect(body.ttl).toBe(2592000)
      expect(body.files).toEqual([
        { fileName: 'a.txt', fileType: 'text/plain', fileSize: 5, reference: '0' },
        { fileName: 'renamed.bin', fileType: '', fileSize: 3, reference: '1' },
      ])
      return jsonResponse({
        id: 'UP1', uploadToken: 'TOK', admin: true, stream: false,
        files: [
          { id: 'F0', fileName: 'a.txt', reference: '0', status: 'missing' },
          { id: 'F1', fileName: 'renamed.bin', reference: '1', status: 'missing' },
        ],
      })
    })
    vi.stubGlobal('fetch', fetchMock)
    mounted = mount(CreateView, { config: baseConfig })
    await flush()
    const input = q('[data-test=file-input]')
    Object.defineProperty(input, 'files', {
      configurable: true,
      value: [new File(['hello'], 'a.txt', { type: 'text/plain' }), new File([new Uint8Array(3)], 'b.bin')],
    })
    input.dispatchEvent(new Event('change'))
    await flush()
    const names = qa('[data-test=pending] input.name-input')
    expect(names.map((i) => i.value)).toEqual(['a.txt', 'b.bin'])
    names[1].value = 'bad/name'
    names[1].dispatchEvent(new Event('input'))
    await flush()
    expect(document.body.textContent).toContain('Invalid name')
    q('[data-test=upload]').click()
    await flush()
    expect(fetchMock).not.toHaveBeenCalled()
    names[1].value = 'renamed.bin'
    names[1].dispatchEvent(new Event('input'))
    q('[data-test=opt-oneshot]').click()
    await flush()
    q('[data-test=upload]').click()
    await flush()
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(FakeXHR.all.map((x) => x.url.replace(/^https?:\/\/[^/]+/, ''))).toEqual(['/file/UP1/F0/a.txt', '/file/UP1/F1/renamed.bin'])
    for (const x of FakeXHR.all) {
      expect(x.headers['X-UploadToken']).toBe('TOK')
      expect(x.body).toBeInstanceOf(FormData)
      expect(x.body.get('file')).toBeInstanceOf(File)
    }
    expect(x0name(FakeXHR.all[1])).toBe('renamed.bin')
    expect(window.location.hash).toBe('#/?id=UP1')
    expect(JSON.parse(localStorage.getItem('plik-upload-tokens')).UP1).toBe('TOK')
  })

  it('shows the server error message when creation fails', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('unable to create upload : one shot uploads are disabled\n', { status: 400 })))
    mounted = mount(CreateView, { config: baseConfig })
    await flush()
    q('[data-test=create-empty]').click()
    await flush()
    expect(q('[data-test=create-error]').textContent).toBe('unable to create upload : one shot uploads are disabled')
  })
})

function x0name(xhr) {
  return xhr.body.get('file').name
}

const upload = (over = {}) => ({
  id: 'UP2', ttl: 3600, downloadDomain: '', comments: '', admin: false, stream: false, oneShot: false, removable: false,
  protectedByPassword: false, createdAt: new Date().toISOString(), expireAt: new Date(Date.now() + 3 * 86400e3 + 60e3).toISOString(),
  files: [
    { id: 'FA', fileName: 'a <b>.txt', status: 'uploaded', fileMd5: 'abc', fileType: 'text/plain', fileSize: 1500, reference: '' },
    { id: 'FB', fileName: 'gone.bin', status: 'removed', fileMd5: '', fileType: '', fileSize: 3, reference: '' },
  ],
  ...over,
})

describe('UploadView', () => {
  it('lists files with status, size and links; visitors get no admin buttons', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(upload({ comments: '**hi** <script>window.__x=1</script>' }))))
    mounted = mount(UploadView, { config: baseConfig, id: 'UP2' })
    await flush()
    const names = qa('[data-test=file-name]').map((e) => e.textContent)
    expect(names).toEqual(['a <b>.txt', 'gone.bin'])
    expect(qa('[data-test=file-status]').map((e) => e.textContent)).toEqual(['Available', 'Removed'])
    const links = qa('[data-test=download]').map((a) => a.getAttribute('href'))
    expect(links).toEqual([`${window.location.origin}/file/UP2/FA/a%20%3Cb%3E.txt?dl=1`])
    expect(q('[data-test=zip]').getAttribute('href')).toBe(`${window.location.origin}/archive/UP2/archive.zip?dl=1`)
    expect(q('[data-test=delete-upload]')).toBeNull()
    expect(q('[data-test=add-files]')).toBeNull()
    expect(q('[data-test=comments] strong').textContent).toBe('hi')
    expect(q('[data-test=comments] script')).toBeNull()
    expect(q('[data-test=expiry]').textContent).toContain('Expires in 3 days')
    expect(document.body.textContent).toContain('1.5 KB')
    expect(q('[data-test=qr]').getAttribute('src')).toContain('/qrcode?url=' + encodeURIComponent(window.location.origin))
  })

  it('sends the stored upload token and shows admin actions', async () => {
    saveUploadToken('UP2', 'SECRET')
    const fetchMock = vi.fn(async (url, init) => {
      expect(init.headers['X-UploadToken']).toBe('SECRET')
      return jsonResponse(upload({ admin: true, uploadToken: 'SECRET', expireAt: null }))
    })
    vi.stubGlobal('fetch', fetchMock)
    mounted = mount(UploadView, { config: baseConfig, id: 'UP2' })
    await flush()
    expect(q('[data-test=delete-upload]')).not.toBeNull()
    expect(q('[data-test=add-files]')).not.toBeNull()
    expect(qa('[data-test=delete-file]').length).toBe(1) // the removed one has none
    expect(q('[data-test=expiry]').textContent).toContain('Never expires')
    expect(document.querySelector('#admin-url').value).toContain('uploadToken=SECRET')
  })

  it('asks for the password on 401 and retries with Basic auth', async () => {
    const fetchMock = vi.fn(async (url, init) => {
      if (init.headers.Authorization === 'Basic ' + btoa('bob:pw')) return jsonResponse(upload({ protectedByPassword: true }))
      return new Response('please provide valid credentials to access this upload : invalid credentials\n', { status: 401 })
    })
    vi.stubGlobal('fetch', fetchMock)
    mounted = mount(UploadView, { config: baseConfig, id: 'UP3' })
    await flush()
    expect(q('[data-test=password-form]')).not.toBeNull()
    expect(q('[data-test=unlock-login]').value).toBe('plik')
    const setVal = (sel, v) => {
      q(sel).value = v
      q(sel).dispatchEvent(new Event('input'))
    }
    setVal('[data-test=unlock-login]', 'bob')
    setVal('[data-test=unlock-password]', 'bad')
    q('[data-test=unlock]').click()
    await flush()
    expect(q('[data-test=wrong-password]')).not.toBeNull()
    setVal('[data-test=unlock-password]', 'pw')
    q('[data-test=unlock]').click()
    await flush()
    expect(q('[data-test=password-form]')).toBeNull()
    expect(q('[data-test=upload-view]')).not.toBeNull()
  })

  it('shows stream files as waiting for sender / available now, with /stream/ links', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(upload({
      id: 'UP4',
      stream: true,
      files: [
        { id: 'S1', fileName: 's1', status: 'missing', fileSize: 0 },
        { id: 'S2', fileName: 's2', status: 'uploading', fileSize: 0 },
      ],
    }))))
    mounted = mount(UploadView, { config: baseConfig, id: 'UP4' })
    await flush()
    expect(qa('[data-test=file-status]').map((e) => e.textContent)).toEqual(['Waiting for sender', 'Available now'])
    expect(qa('[data-test=download]').map((a) => a.getAttribute('href'))).toEqual([`${window.location.origin}/stream/UP4/S2/s2?dl=1`])
    expect(q('[data-test=zip]')).toBeNull()
  })

  it('shows API errors', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('upload UP5 not found\n', { status: 404 })))
    mounted = mount(UploadView, { config: baseConfig, id: 'UP5' })
    await flush()
    expect(q('[data-test=upload-error]').textContent).toContain('upload UP5 not found')
  })
})

describe('ErrorView', () => {
  it('explains the download error and links back to the upload', async () => {
    mounted = mount(ErrorView, { err: 'file x (F1) is not available : removed', errcode: '404', uri: '/file/UPX/F1/x?dl=1' })
    await flush()
    expect(q('[data-test=error-page] h1').textContent).toContain('This file is not available (anymore)')
    expect(q('[data-test=error-message]').textContent).toBe('file x (F1) is not available : removed')
    expect(q('a[href="#/?id=UPX"]')).not.toBeNull()
  })
})

describe('ProgressBar', () => {
  it('shows percent, sizes and rate, then waiting state for streams', async () => {
    const { reactive } = await import('vue')
    const tr = reactive({ name: 'f', size: 2000, loaded: 1000, rate: 500, state: 'sending', error: '' })
    mounted = mount(ProgressBar, { tr })
    await flush()
    expect(q('[role=progressbar]').getAttribute('aria-valuenow')).toBe('50')
    expect(q('.progress-label').textContent).toBe('Sending 50% · 1.0 KB / 2.0 KB · 500 B/s')
    tr.state = 'waiting'
    await flush()
    expect(q('.progress-label').textContent).toBe('Waiting for the downloader… keep this page open')
  })
})

describe('transfers', () => {
  it('reports progress, rate and cancel', async () => {
    const { startTransfers, cancelTransfer } = await import('../../src/transfers.js')
    const [tr] = startTransfers({ id: 'UT', stream: false }, [{ file: new File(['x'.repeat(100)], 'x.txt'), name: 'x.txt', fileId: 'FX' }])
    expect(tr.state).toBe('sending')
    FakeXHR.all[0].upload.onprogress({ loaded: 40, total: 100, lengthComputable: true })
    expect(tr.loaded).toBe(40)
    cancelTransfer(tr)
    await flush()
    expect(FakeXHR.all[0].aborted).toBe(true)
    expect(tr.state).toBe('cancelled')
  })
  it('marks failures with the server message', async () => {
    const { startTransfers } = await import('../../src/transfers.js')
    const [tr] = startTransfers({ id: 'UT2', stream: false }, [{ file: new File(['x'], 'x'), name: 'x', fileId: 'F' }])
    FakeXHR.all[0].respond(400, 'file too big (limit is set to 1 B)\n')
    await flush()
    expect(tr.state).toBe('error')
    expect(tr.error).toBe('file too big (limit is set to 1 B)')
  })
})

describe('text and clipboard', () => {
  it('adds typed text as paste.txt then paste.1.txt', async () => {
    mounted = mount(CreateView, { config: baseConfig })
    await flush()
    for (const content of ['one', 'two']) {
      q('[data-test=add-text]').click()
      await flush()
      const ta = q('[data-test=text-content]')
      ta.value = content
      ta.dispatchEvent(new Event('input'))
      q('[data-test=text-add]').click()
      await flush()
    }
    expect(qa('[data-test=pending] input.name-input').map((i) => i.value)).toEqual(['paste.txt', 'paste.1.txt'])
  })
  it('pasted text opens the text dialog, pasted files are added', async () => {
    mounted = mount(CreateView, { config: baseConfig })
    await flush()
    const ev = new Event('paste', { bubbles: true, cancelable: true })
    ev.clipboardData = { files: [], getData: () => 'from clipboard' }
    document.body.dispatchEvent(ev)
    await flush()
    expect(q('[data-test=text-content]').value).toBe('from clipboard')
    const ev2 = new Event('paste', { bubbles: true, cancelable: true })
    ev2.clipboardData = { files: [new File(['png'], 'image.png', { type: 'image/png' })], getData: () => '' }
    document.body.dispatchEvent(ev2)
    await flush()
    expect(qa('[data-test=pending] input.name-input').map((i) => i.value)).toEqual(['image.png'])
  })
  it('warns when the server only accepts authenticated uploads', async () => {
    mounted = mount(CreateView, { config: { ...baseConfig, feature_authentication: 'forced' } })
    await flush()
    expect(q('[data-test=auth-forced]')).not.toBeNull()
  })
  it('says when an upload is gone', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('upload UP6 has expired\n', { status: 404 })))
    mounted = mount(UploadView, { config: baseConfig, id: 'UP6' })
    await flush()
    expect(q('[data-test=upload-error] h1').textContent).toBe('This upload does not exist, was deleted or has expired.')
  })
})

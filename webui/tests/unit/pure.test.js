import { describe, it, expect, beforeEach } from 'vitest'
import { humanSize, validFileName, humanDuration, relativeTime } from '../../src/format.js'
import { parseHash } from '../../src/route.js'
import { renderMarkdown } from '../../src/markdown.js'
import { t, setLocale, _messages } from '../../src/i18n.js'
import { apiBase, fileUrl, archiveUrl, saveUploadToken, getUploadToken, forgetUploadToken } from '../../src/api.js'

beforeEach(() => setLocale('en'))

describe('format', () => {
  it('humanizes sizes in SI units', () => {
    expect(humanSize(0)).toBe('0 B')
    expect(humanSize(999)).toBe('999 B')
    expect(humanSize(1500)).toBe('1.5 KB')
    expect(humanSize(10_000_000_000)).toBe('10 GB')
    expect(humanSize(-1)).toBe('?')
  })
  it('validates file names like the Plik UI', () => {
    expect(validFileName('a.txt')).toBe(true)
    expect(validFileName('')).toBe(false)
    for (const c of ['/', '#', '?', '%', '"']) expect(validFileName(`a${c}b`)).toBe(false)
    expect(validFileName('é'.repeat(512))).toBe(true)
    expect(validFileName('é'.repeat(513))).toBe(false)
  })
  it('formats durations and relative times in the current locale', () => {
    expect(humanDuration(86400 * 30)).toBe('30 days')
    expect(humanDuration(7200)).toBe('2 hours')
    expect(relativeTime(Date.now() + 3 * 86400 * 1000 + 5000)).toBe('in 3 days')
    setLocale('fr')
    expect(humanDuration(86400 * 30)).toMatch(/^30\s+jours$/)
    expect(relativeTime(Date.now() + 3 * 86400 * 1000 + 5000)).toBe('dans 3 jours')
  })
})

describe('hash route', () => {
  it('reads the upload id', () => {
    expect(parseHash('#/?id=abc123')).toEqual({ path: '/', params: { id: 'abc123' } })
    expect(parseHash('#/?id=abc&uploadToken=tok').params).toEqual({ id: 'abc', uploadToken: 'tok' })
    expect(parseHash('').path).toBe('/')
  })
  it('reads the server error redirect with an unescaped message', () => {
    const r = parseHash('#/?err=file a&b (x) is not available : removed&errcode=404&uri=/file/U1/F1/a&b?dl=1')
    expect(r.params.err).toBe('file a&b (x) is not available : removed')
    expect(r.params.errcode).toBe('404')
    expect(r.params.uri).toBe('/file/U1/F1/a&b?dl=1')
  })
  it('decodes percent-encoded error messages and survives bad escapes', () => {
    expect(parseHash('#/?err=upload%20x%20not%20found&errcode=404&uri=/file/x').params.err).toBe('upload x not found')
    expect(parseHash('#/?err=100%&errcode=500&uri=/').params.err).toBe('100%')
  })
})

describe('markdown', () => {
  it('renders markdown', () => {
    const html = renderMarkdown('**bold** and [link](https://example.com)')
    expect(html).toContain('<strong>bold</strong>')
    expect(html).toContain('href="https://example.com"')
    expect(html).toContain('rel="noopener noreferrer nofollow"')
  })
  it('removes scripts, handlers, javascript: URLs, iframes and styles', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>' +
        '<iframe src="https://evil"></iframe><p style="position:fixed">s</p><svg onload="alert(4)"></svg>\n\n[y](javascript:alert(5))',
    )
    expect(html).not.toMatch(/<script|onerror|javascript:|<iframe|style=|<svg|onload/i)
    expect(html).toContain('<img src="x">')
  })
})

describe('i18n', () => {
  it('has the same keys and placeholders in English and French', () => {
    const en = Object.keys(_messages.en).sort()
    expect(Object.keys(_messages.fr).sort()).toEqual(en)
    for (const k of en) {
      const ph = (s) => (s.match(/\{\w+\}/g) || []).sort()
      expect(ph(_messages.fr[k]), k).toEqual(ph(_messages.en[k]))
    }
  })
  it('substitutes placeholders and switches language', () => {
    expect(t('downloadName', { name: 'a.txt' })).toBe('Download a.txt')
    setLocale('fr')
    expect(t('downloadName', { name: 'a.txt' })).toBe('Télécharger a.txt')
    expect(document.documentElement.lang).toBe('fr')
    expect(t('noSuchKey')).toBe('noSuchKey')
  })
})

describe('api helpers', () => {
  it('builds URLs under the path prefix and escapes names', () => {
    const loc = { origin: 'http://h:8080', pathname: '/prefix/' }
    expect(apiBase(loc)).toBe('http://h:8080/prefix')
    expect(apiBase({ origin: 'http://h', pathname: '/index.html' })).toBe('http://h')
    const up = { id: 'U1', stream: false }
    const f = { id: 'F1', fileName: 'a b#?.txt' }
    expect(fileUrl({ downloadDomain: 'https://dl.example' }, up, f)).toBe('https://dl.example/file/U1/F1/a%20b%23%3F.txt')
    expect(fileUrl({ downloadDomain: 'https://dl.example/' }, { ...up, stream: true }, f)).toBe('https://dl.example/stream/U1/F1/a%20b%23%3F.txt')
    expect(archiveUrl({ downloadDomain: 'https://dl.example' }, up)).toBe('https://dl.example/archive/U1/archive.zip')
  })
  it('keeps upload tokens in localStorage', () => {
    saveUploadToken('U9', 'tok')
    expect(getUploadToken('U9')).toBe('tok')
    expect(JSON.parse(localStorage.getItem('plik-upload-tokens')).U9).toBe('tok')
    forgetUploadToken('U9')
    expect(getUploadToken('U9')).toBe('')
  })
})

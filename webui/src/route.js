// Hash routing: "#/?id=X", "#/?err=...&errcode=...&uri=...", "#/" (upload form).
import { ref } from 'vue'

// The server writes err unescaped (spec §6.7): "#/?err=file x (y) is not available : missing&errcode=404&uri=/file/..."
// so err may contain anything but "&errcode=". Parse it with a pattern, not URLSearchParams alone.
export function parseHash(hash) {
  let h = String(hash || '').replace(/^#/, '')
  const q = h.indexOf('?')
  const path = (q >= 0 ? h.slice(0, q) : h) || '/'
  const query = q >= 0 ? h.slice(q + 1) : ''
  const route = { path, params: {} }
  const m = /^err=([\s\S]*?)&errcode=(\d*)(?:&uri=([\s\S]*))?$/.exec(query)
  if (m) {
    route.params.err = safeDecode(m[1])
    route.params.errcode = m[2]
    route.params.uri = safeDecode(m[3] || '')
    return route
  }
  for (const part of query.split('&')) {
    if (!part) continue
    const eq = part.indexOf('=')
    const k = safeDecode(eq >= 0 ? part.slice(0, eq) : part)
    const v = safeDecode(eq >= 0 ? part.slice(eq + 1) : '')
    route.params[k] = v
  }
  return route
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}

export const route = ref(parseHash(typeof window !== 'undefined' ? window.location.hash : ''))

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    route.value = parseHash(window.location.hash)
  })
}

export function navigate(hash) {
  if (window.location.hash === hash) route.value = parseHash(hash)
  else window.location.hash = hash
}

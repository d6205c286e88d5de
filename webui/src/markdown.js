// Markdown -> sanitised HTML for upload comments. marked does the parsing, DOMPurify removes any
// script, event handler, javascript: URL, iframe, form, style... Links open in a new tab.
import { marked } from 'marked'
import DOMPurify from 'dompurify'

let hooked = false
function hook() {
  if (hooked) return
  hooked = true
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.getAttribute('href')) {
      node.setAttribute('target', '_blank')
      node.setAttribute('rel', 'noopener noreferrer nofollow')
    }
  })
}

export function renderMarkdown(src) {
  hook()
  const html = marked.parse(String(src || ''), { async: false, gfm: true, breaks: true })
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math'],
    FORBID_ATTR: ['style'],
  })
}

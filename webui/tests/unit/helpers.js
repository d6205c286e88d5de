import { createApp, nextTick } from 'vue'

export function mount(Comp, props = {}) {
  const el = document.createElement('div')
  document.body.appendChild(el)
  const app = createApp(Comp, props)
  app.mount(el)
  return {
    el,
    unmount() {
      app.unmount()
      el.remove()
    },
  }
}

export async function flush() {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 0))
    await nextTick()
  }
}

export const baseConfig = {
  maxFileSize: 10_000_000_000,
  maxUserSize: -1,
  maxFilePerUpload: 1000,
  defaultTTL: 2592000,
  maxTTL: 2592000,
  downloadDomain: '',
  downloadDomainAlias: null,
  abuseContact: '',
  feature_authentication: 'disabled',
  feature_one_shot: 'enabled',
  feature_removable: 'enabled',
  feature_stream: 'enabled',
  feature_password: 'enabled',
  feature_comments: 'enabled',
  feature_set_ttl: 'enabled',
  feature_extend_ttl: 'disabled',
  feature_clients: 'enabled',
  feature_github: 'enabled',
  feature_text: 'enabled',
}

export function jsonResponse(obj, status = 200) {
  return new Response(typeof obj === 'string' ? obj : JSON.stringify(obj), { status })
}

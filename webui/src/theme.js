// Light / dark / system theme stored in localStorage, applied as <html data-theme>.
import { ref } from 'vue'

function initial() {
  try {
    const v = localStorage.getItem('plik-theme')
    if (v === 'light' || v === 'dark' || v === 'auto') return v
  } catch {
    /* ignore */
  }
  return 'auto'
}

export const theme = ref(initial())

export function applyTheme() {
  if (typeof document === 'undefined') return
  if (theme.value === 'auto') document.documentElement.removeAttribute('data-theme')
  else document.documentElement.setAttribute('data-theme', theme.value)
}

export function setTheme(v) {
  theme.value = v
  try {
    localStorage.setItem('plik-theme', v)
  } catch {
    /* ignore */
  }
  applyTheme()
}

// Human-readable sizes, rates, durations and expiry texts.
import { locale } from './i18n.js'

export function humanSize(bytes) {
  if (bytes == null || bytes < 0 || !Number.isFinite(bytes)) return '?'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = bytes
  let i = 0
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  const n = i === 0 ? String(v) : v < 10 ? v.toFixed(1) : String(Math.round(v))
  return `${n} ${units[i]}`
}

export function humanRate(bytesPerSec) {
  return `${humanSize(Math.max(0, Math.round(bytesPerSec || 0)))}/s`
}

// TTL in seconds -> "3 days", "2 hours", "10 minutes" (largest exact-ish unit).
export function humanDuration(seconds) {
  const fmt = (n, unit) =>
    new Intl.NumberFormat(locale.value, { style: 'unit', unit, unitDisplay: 'long' }).format(n)
  if (seconds % 86400 === 0) return fmt(seconds / 86400, 'day')
  if (seconds % 3600 === 0) return fmt(seconds / 3600, 'hour')
  if (seconds % 60 === 0) return fmt(seconds / 60, 'minute')
  return fmt(seconds, 'second')
}

// Relative time ("in 3 days") of a date compared with now.
export function relativeTime(date, now = Date.now()) {
  const diff = (new Date(date).getTime() - now) / 1000
  const rtf = new Intl.RelativeTimeFormat(locale.value, { numeric: 'auto' })
  const abs = Math.abs(diff)
  if (abs < 60) return rtf.format(Math.round(diff), 'second')
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute')
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour')
  if (abs < 86400 * 60) return rtf.format(Math.round(diff / 86400), 'day')
  if (abs < 86400 * 730) return rtf.format(Math.round(diff / (86400 * 30)), 'month')
  return rtf.format(Math.round(diff / (86400 * 365)), 'year')
}

export function absoluteTime(date) {
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(date))
}

// Name rules of the Plik web UI: non-empty, <= 1024 UTF-8 bytes, none of / # ? % "
export function validFileName(name) {
  if (!name) return false
  if (new TextEncoder().encode(name).length > 1024) return false
  return !/[/#?%"]/.test(name)
}

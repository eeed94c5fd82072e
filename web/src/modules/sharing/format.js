// Formatting shared by the sharing pages (dashboard, monthly report).

// A median in seconds (GET /sharing/equity): minutes under an hour, else hours with one
// decimal; null (fewer than 5 cases) shows a dash.
export const duration = (s) =>
  s === null || s === undefined ? '—' : s < 3600 ? `${Math.round(s / 60)} 分钟` : `${(s / 3600).toFixed(1)} 小时`

// A percent string ("66.7") or null.
export const percent = (p) => (p === null || p === undefined ? '—' : p + '%')

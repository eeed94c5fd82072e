// The sharing capability's API: equity figures, unreached vulnerable residents and the
// public board (no login).
import { apiDownload, apiGet, queryString, seg } from '@/api.js'

// {node, from?, to?, metric?}: the equity figures of a place (docs/METRICS.md "Equity").
export const getEquity = (params) => apiGet('/sharing/equity' + queryString(params))
// {node, from?, to?}: the small and big cycles' flows by source, and needs met per grid
// (docs/METRICS.md "The small and big cycles").
export const getCycles = (params) => apiGet('/sharing/cycles' + queryString(params))
// {node, from?, to?, tag?, limit?, cursor?}: residents nobody reached in the period.
export const listUnreached = (params) => apiGet('/sharing/unreached' + queryString(params))
// The case rates of a place ({node, from?, to?}); the cases module's route, which its web
// api.js does not wrap yet.
export const getCaseRates = (params) => apiGet('/stats/cases' + queryString(params))
// Public: the communities with a board, and one board.
export const listBoardCommunities = () => apiGet('/public/communities')
export const getBoard = (code) => apiGet('/public/communities/' + seg(code) + '/board')
// {node, month: 'YYYY-MM'}: the monthly governance report (JSON), and its .xlsx.
export const getReport = (params) => apiGet('/sharing/report' + queryString(params))
export const downloadReport = (params) =>
  apiDownload('/sharing/report.xlsx' + queryString(params), `月度治理报告-${params.month}.xlsx`)

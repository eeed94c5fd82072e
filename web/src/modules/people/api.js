// The people capability's API: residents, resident tags, households, units, imports
// and exports. Lists take {limit, cursor, ...filters} and answer {items, next_cursor}.
// Personal data comes masked; `reveal` ('phone,id_number') asks for the full values,
// which the server audits.
import { apiDownload, apiGet, apiSend, queryString, seg } from '@/api.js'

// Params: grid, tag, q (name prefix), limit, cursor.
export const listResidents = (params) => apiGet('/residents' + queryString(params))
export const getResident = (id, reveal) => apiGet('/residents/' + seg(id) + queryString({ reveal }))
// Saves the masked .xlsx of the residents matching {grid, tag, q}.
export const exportResidents = (filters) => apiDownload('/residents/export.xlsx' + queryString(filters), 'residents.xlsx')
export const listResidentTags = () => apiGet('/resident-tags')

// Address, unit, members with their relation to the head.
export const getHousehold = (id, reveal) => apiGet('/households/' + seg(id) + queryString({ reveal }))

// Params: building, limit, cursor.
export const listUnits = (params) => apiGet('/units' + queryString(params))
// One unit with its owners and the households living there.
export const getUnit = (id) => apiGet('/units/' + seg(id))
// Saves the .xlsx of the units of {building} or {grid}.
export const exportUnits = (filters) => apiDownload('/units/export.xlsx' + queryString(filters), 'units.xlsx')

// The kinds of import: the file is the body; dryRun checks without writing. A file with
// problems is refused with 422 import_invalid and its report (ApiError.body).
const IMPORT_PATHS = { residents: '/residents/import', units: '/units/import' }
export const importFile = (kind, file, { dryRun = false, contentType } = {}) =>
  apiSend('POST', IMPORT_PATHS[kind] + (dryRun ? '?dry_run=1' : ''), file, { contentType, timeoutMs: 600000 })
// The stored report of a refused import (its report_url, from the server).
export const downloadImportReport = (reportUrl) => apiDownload(reportUrl, '导入错误报告.xlsx')

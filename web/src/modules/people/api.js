// The people capability's API: residents, resident tags, households, units, imports
// and exports. Lists take {limit, cursor, ...filters} and answer {items, next_cursor}.
// Personal data comes masked; `reveal` ('phone,id_number') asks for the full values,
// which the server audits.
import { apiDownload, apiGet, apiSend, queryString, seg } from '@/api.js'

// Params: grid, community, street, tag, status (active | moved_out | deceased | left |
// all), q (the search box: part of a name or address, a whole ID number or phone, or a
// building/unit/room such as 3-2-102), limit, cursor. The first page carries total and
// total_exact; search says which search ran.
export const listResidents = (params) => apiGet('/residents' + queryString(params))
export const getResident = (id, reveal) => apiGet('/residents/' + seg(id) + queryString({ reveal }))
// Add one resident (the fields of POST /residents); change some fields of one.
export const createResident = (body) => apiSend('POST', '/residents', body)
export const updateResident = (id, body) => apiSend('PATCH', '/residents/' + seg(id), body)
// Status changes: {date, reason} to move out, {date} for a death, {household_id |
// unit_id | grid_code [address], relation?, date?, reason?} to move within the street or
// back in.
export const moveResident = (id, body) => apiSend('POST', '/residents/' + seg(id) + '/move', body)
export const moveOutResident = (id, body) => apiSend('POST', '/residents/' + seg(id) + '/move-out', body)
export const moveInResident = (id, body) => apiSend('POST', '/residents/' + seg(id) + '/move-in', body)
export const markDeceased = (id, body) => apiSend('POST', '/residents/' + seg(id) + '/deceased', body)
// Every change kept by hand, newest first; reveal as for the resident (audited).
export const residentHistory = (id, reveal) =>
  apiGet('/residents/' + seg(id) + '/history' + queryString({ reveal }))
// Saves the masked .xlsx of the residents matching {grid, tag, q}.
export const exportResidents = (filters) => apiDownload('/residents/export.xlsx' + queryString(filters), 'residents.xlsx')
export const listResidentTags = () => apiGet('/resident-tags')

// Address (place by name, full_address), unit, members with their relation to the head.
export const getHousehold = (id, reveal) => apiGet('/households/' + seg(id) + queryString({ reveal }))
// A household {grid_code | unit_id, address?, members?: [resident, ...]} in one request.
export const createHousehold = (body) => apiSend('POST', '/households', body)

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

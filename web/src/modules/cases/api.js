// The cases capability's API (docs/CASES.md).
import { apiGet, apiSend, queryString, seg } from '@/api.js'

// Params: state, category, grid, community, street, organisation, assignee, overdue,
// from, to, mine, limit, cursor. {items, next_cursor}, newest first.
export const listCases = (params) => apiGet('/cases' + queryString(params))
// {by_state: [{state, label, count}], total, open, overdue} over the same scopes.
export const caseSummary = (params) => apiGet('/cases/summary' + queryString(params))
export const getCase = (id, reveal) => apiGet('/cases/' + seg(id) + queryString({ reveal }))
export const caseTimeline = (id) => apiGet('/cases/' + seg(id) + '/timeline')
// body: {action, note?, org?, user?, target?, satisfaction?, resolved?, extension?}
export const caseAction = (id, body) => apiSend('POST', '/cases/' + seg(id) + '/actions', body)
export const listCategories = () => apiGet('/case-categories')
// Report a case (POST /cases): {category, description, location | grid_code | building_id,
// address?, anonymous?, photos?: [photo ids]} -> the case.
export const createCase = (body) => apiSend('POST', '/cases', body)
// Upload one photo (the file is the body: image/jpeg, image/png or image/webp) ->
// {id, sha256, media_type, size}; then name its id in createCase or caseAction (photos).
export const uploadPhoto = (file) => apiSend('POST', '/case-photos', file, { contentType: file.type })
// Open cases of the same category nearby: {items: [... distance_m]} (staff only).
export const caseDuplicates = (id) => apiGet('/cases/' + seg(id) + '/duplicates')

// The space capability's API: streets, communities, grids (with their GeoJSON) and
// buildings. Lists take {limit, cursor, ...filters} and answer {items, next_cursor}.
import { apiGet, queryString, seg } from '@/api.js'

export const listStreets = (params) => apiGet('/streets' + queryString(params))
export const listCommunities = (params) => apiGet('/communities' + queryString(params))
export const listGrids = (params) => apiGet('/grids' + queryString(params))
// A GeoJSON FeatureCollection page: {features, next_cursor}. Params: community, limit, cursor.
export const listGridFeatures = (params) => apiGet('/grids.geojson' + queryString(params))
// One grid with its community and street.
export const getGrid = (code) => apiGet('/grids/' + seg(code))
// Params: grid, limit, cursor.
export const listBuildings = (params) => apiGet('/buildings' + queryString(params))
// The place picker's walk of the space tree (GET /places), inside the caller's scopes:
// {parent: code} its children ("" the whole system: its streets), {q} a search by name,
// {code} that one node, {} the caller's own scopes. Answers {items: [{code, name, level,
// path, has_children}], truncated}.
export const listPlaces = ({ parent, q, code } = {}) =>
  apiGet('/places' + (parent !== undefined && parent !== null ? '?parent=' + encodeURIComponent(parent) : queryString({ q, code })))

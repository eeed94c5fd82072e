// The named places (streets, communities, grids) a page offers as filters or nodes,
// read from the space API within the caller's scopes.
//
//   const p = await loadPlaces({ grids: true })
//   p.name('110101001001')      -> '多福巷社区' (or '' when unknown)
//   p.nodeOptions               -> [{value, label, level}] streets, communities, the caller's own scopes
import { readPages } from '@/api.js'
import { scopeLevel } from '@/labels.js'
import { scopesFor } from '@/session.js'
import { getGrid, listCommunities, listGrids, listStreets } from './api.js'

const MAX_NAME_LOOKUPS = 10
const MAX_GRIDS = 2000 // grid names for labels and filters; beyond this codes are shown

const all = async (fetchPage, max) => (await readPages(fetchPage, { max })).items

const byCode = (a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)

export async function loadPlaces({ grids = false, resource = 'space' } = {}) {
  const [streets, communities, gridList] = await Promise.all([
    all(listStreets).catch(() => []),
    all(listCommunities).catch(() => []),
    grids ? all(listGrids, MAX_GRIDS).catch(() => []) : Promise.resolve([]),
  ])
  streets.sort(byCode)
  communities.sort(byCode)
  gridList.sort(byCode)
  const names = {}
  for (const x of [...streets, ...communities, ...gridList]) names[x.code] = x.name
  // A grid worker or resident lists their grid but not the community above it: its
  // name (and the street's) comes from one grid's detail per community.
  const unnamed = new Map()
  for (const g of gridList) if (!names[g.community_code] && !unnamed.has(g.community_code)) unnamed.set(g.community_code, g.code)
  await Promise.all(
    [...unnamed.values()].slice(0, MAX_NAME_LOOKUPS).map(async (code) => {
      try {
        const g = await getGrid(code)
        if (g.community && g.community.name) names[g.community.code] = g.community.name
        if (g.street && g.street.name) names[g.street.code] = g.street.name
      } catch {
        /* keep the code */
      }
    }),
  )
  const name = (code) => (code && names[code]) || ''
  const label = (code) => {
    if (code === '' || code == null) return '全系统'
    const n = name(code)
    return n ? `${n}（${code}）` : `${scopeLevel(code)} ${code}`
  }

  // Nodes for the network and tree: the caller's own non-empty scopes first (a grid
  // worker's grid is in no list they can read), then every street and community.
  const seen = new Set()
  const nodeOptions = []
  const add = (code) => {
    if (!code || seen.has(code) || ![9, 12, 15].includes(code.length)) return
    seen.add(code)
    nodeOptions.push({ value: code, label: `${scopeLevel(code)} · ${label(code)}`, level: scopeLevel(code) })
  }
  const own = [...scopesFor(resource, 'read')].sort()
  for (const s of own) add(s)
  for (const s of streets) add(s.code)
  for (const c of communities) add(c.code)
  nodeOptions.sort((a, b) => (a.value < b.value ? -1 : 1))

  // The default node: the caller's own scope when it is a place, else the first
  // street, else the first community.
  const ownPlace = own.find((s) => s && [9, 12, 15].includes(s.length))
  const defaultNode = ownPlace || (streets[0] && streets[0].code) || (communities[0] && communities[0].code) || ''

  return { streets, communities, grids: gridList, names, name, label, nodeOptions, defaultNode }
}

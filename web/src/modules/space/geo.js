// Small planar helpers over GeoJSON lon/lat coordinates for the grid map: bounding
// boxes, point-in-polygon (holes respected) and a label point that lies inside the
// shape (a grid with a hole — a courtyard that is another grid — must not get its
// label in the hole, where the centroid of its outline falls).

// [minLng, minLat, maxLng, maxLat] of a Polygon/MultiPolygon geometry, or null.
export function geometryBbox(geometry) {
  let b = null
  for (const polygon of polygonsOf(geometry)) {
    for (const ring of polygon) {
      for (const p of ring) {
        if (!b) b = [p[0], p[1], p[0], p[1]]
        else {
          if (p[0] < b[0]) b[0] = p[0]
          if (p[1] < b[1]) b[1] = p[1]
          if (p[0] > b[2]) b[2] = p[0]
          if (p[1] > b[3]) b[3] = p[1]
        }
      }
    }
  }
  return b
}

// Union of bounding boxes (nulls skipped).
export function mergeBbox(a, b) {
  if (!a) return b ? b.slice() : null
  if (!b) return a.slice()
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]
}

// A geometry as a list of polygons (each a list of rings: outline, then holes).
export function polygonsOf(geometry) {
  if (!geometry || !Array.isArray(geometry.coordinates)) return []
  if (geometry.type === 'Polygon') return [geometry.coordinates]
  if (geometry.type === 'MultiPolygon') return geometry.coordinates
  return []
}

function ringArea(ring) {
  let s = 0
  for (let i = 0, n = ring.length; i < n; i++) {
    const [x1, y1] = ring[i]
    const [x2, y2] = ring[(i + 1) % n]
    s += x1 * y2 - x2 * y1
  }
  return s / 2
}

function polygonArea(polygon) {
  let a = Math.abs(ringArea(polygon[0] || []))
  for (let i = 1; i < polygon.length; i++) a -= Math.abs(ringArea(polygon[i]))
  return a
}

function ringContains(ring, x, y) {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

export function polygonContains(polygon, x, y) {
  if (!polygon.length || !ringContains(polygon[0], x, y)) return false
  for (let i = 1; i < polygon.length; i++) if (ringContains(polygon[i], x, y)) return false
  return true
}

function ringCentroid(ring) {
  let a = 0
  let cx = 0
  let cy = 0
  for (let i = 0, n = ring.length; i < n; i++) {
    const [x1, y1] = ring[i]
    const [x2, y2] = ring[(i + 1) % n]
    const f = x1 * y2 - x2 * y1
    a += f
    cx += (x1 + x2) * f
    cy += (y1 + y2) * f
  }
  if (Math.abs(a) < 1e-18) {
    const b = geometryBbox({ type: 'Polygon', coordinates: [ring] })
    return b ? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] : [0, 0]
  }
  return [cx / (3 * a), cy / (3 * a)]
}

// The widest inside stretch of the horizontal line at y across the polygon:
// {x, width} of its midpoint, or null when the line misses it.
function widestSpan(polygon, y) {
  const xs = []
  for (const ring of polygon) {
    for (let i = 0, n = ring.length; i < n; i++) {
      const [x1, y1] = ring[i]
      const [x2, y2] = ring[(i + 1) % n]
      if (y1 <= y !== y2 <= y) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1))
    }
  }
  xs.sort((a, b) => a - b)
  let best = null
  for (let i = 0; i + 1 < xs.length; i += 2) {
    const w = xs[i + 1] - xs[i]
    if (!best || w > best.width) best = { x: (xs[i] + xs[i + 1]) / 2, width: w }
  }
  return best
}

// The largest part (by area) of a Polygon/MultiPolygon, as a list of rings.
export function largestPart(geometry) {
  const polygons = polygonsOf(geometry).filter((p) => p && p[0] && p[0].length >= 3)
  let largest = null
  let largestArea = -Infinity
  for (const p of polygons) {
    const a = polygonArea(p)
    if (a > largestArea) {
      largestArea = a
      largest = p
    }
  }
  return largest
}

// Bounding box of the part that carries the label (see labelPoint).
export function labelBbox(geometry) {
  const part = largestPart(geometry)
  return part ? geometryBbox({ type: 'Polygon', coordinates: part }) : null
}

// A point inside the geometry for its label: the centroid of the largest part's
// outline when that lies inside the part (not in a hole), else the middle of the
// widest horizontal stretch through the part, tried at a few heights.
export function labelPoint(geometry) {
  const largest = largestPart(geometry)
  if (!largest) return null
  const c = ringCentroid(largest[0])
  if (polygonContains(largest, c[0], c[1])) return c
  const b = geometryBbox({ type: 'Polygon', coordinates: largest })
  const h = b[3] - b[1]
  let best = null
  for (const f of [0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9]) {
    const y = b[1] + h * f
    const s = widestSpan(largest, y)
    if (s && (!best || s.width > best.width * 1.25)) best = { ...s, y }
  }
  return best ? [best.x, best.y] : c
}

// Vite plugin: Element Plus per component, imported where it is used.
//
// A view writes `import { ElButton, ElMessage } from 'element-plus'` for what its
// template and script use. This plugin rewrites that import to the components' own
// modules (element-plus/es/components/<dir>/index.mjs: the package root runs
// makeInstaller() over every component, which defeats tree-shaking) and adds each
// component's stylesheet (element-plus/es/components/<name>/style/css), so a page's
// chunk carries the JS and CSS of its components and nothing else. The same job as
// unplugin-element-plus, without a dependency.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'element-plus', 'es', 'components')
const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*(['"])element-plus\2;?/gm

// ElTableColumn -> 'table-column' (its style directory).
const kebab = (name) => name.replace(/^El/, '').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()

// Export name -> the component directory whose index.mjs exports it (ElOption -> select).
function exportMap() {
  const map = new Map()
  for (const dir of readdirSync(ROOT)) {
    const index = join(ROOT, dir, 'index.mjs')
    if (!existsSync(index)) continue
    const text = readFileSync(index, 'utf8')
    for (const m of text.matchAll(/export\s*\{([^}]*)\}/g)) {
      for (const part of m[1].split(',')) {
        const name = part.trim().split(/\s+as\s+/).pop()
        if (/^El[A-Z]/.test(name) && !map.has(name)) map.set(name, dir)
      }
    }
    for (const m of text.matchAll(/export\s+const\s+(El[A-Z]\w*)/g)) if (!map.has(m[1])) map.set(m[1], dir)
  }
  return map
}

export default function elementPlusPerComponent() {
  let map = null
  return {
    name: 'gz-element-plus-per-component',
    enforce: 'post', // after @vitejs/plugin-vue: a .vue file arrives as JavaScript
    transform(code, id) {
      if (id.includes('/node_modules/') || id.includes('?') || !/\.(vue|js|mjs)$/.test(id)) return null
      if (!code.includes('element-plus')) return null
      if (!map) map = exportMap()
      let changed = false
      const out = code.replace(IMPORT, (_all, names) => {
        changed = true
        const lines = []
        for (const part of names.split(',')) {
          const spec = part.trim()
          if (!spec) continue
          const name = spec.split(/\s+as\s+/)[0].trim()
          const dir = map.get(name)
          if (!dir) this.error(`${id}: element-plus has no export ${name}`)
          lines.push(`import { ${spec} } from 'element-plus/es/components/${dir}/index.mjs';`)
          const style = kebab(name)
          if (existsSync(join(ROOT, style, 'style', 'css.mjs'))) {
            lines.push(`import 'element-plus/es/components/${style}/style/css';`)
          }
        }
        return lines.join('\n')
      })
      return changed ? { code: out, map: null } : null
    },
  }
}
